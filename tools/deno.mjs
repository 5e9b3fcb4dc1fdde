// Runs the pinned Deno (node_modules/.bin/deno, installed by `npm ci`) or, without it, the `deno` on PATH.
// Why: inside `deno task`, a `deno` found in node_modules/.bin is started as a JavaScript file (npm bins
// usually are), which fails for the native binary the `deno` npm package ships.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const pinned = fileURLToPath(new URL("../node_modules/.bin/deno", import.meta.url));
const result = spawnSync(existsSync(pinned) ? pinned : "deno", process.argv.slice(2), { stdio: "inherit" });
process.exit(result.status ?? 1);
