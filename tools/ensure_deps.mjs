// Installs the pinned toolchain (Deno, Bun) and test-only npm packages from package-lock.json when they
// are missing or stale, so `npm start` and `npm test` work on a machine that has only Node.js and npm.
// Why a stamp file: `npm ci` takes seconds; re-running it on every command would slow the edit loop.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const lock = readFileSync(new URL("../package-lock.json", import.meta.url), "utf8");
const stamp = new URL("../node_modules/.deps-stamp", import.meta.url);
const installed = existsSync(stamp) ? readFileSync(stamp, "utf8") : "";
if (installed !== lock || !existsSync(new URL("../node_modules/.bin/deno", import.meta.url))) {
  console.error("[setup] installing pinned Deno, Bun and test packages with npm ci …");
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  execFileSync(npm, ["ci", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: root, stdio: "inherit" });
  writeFileSync(stamp, lock);
}
