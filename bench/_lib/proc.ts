/**
 * CPU time from Linux's /proc: of the whole machine, and of one process. The benches report CPU per
 * request next to req/s because on this shared 2-core machine it moves far less than throughput, and the
 * machine's busy time tells a run disturbed by other work from a slow one. Runtime-neutral (`node:fs`),
 * because the client cells also run on Bun. Elsewhere than Linux every reader returns null.
 *
 * @module
 */

import { readFileSync } from "node:fs";

/** USER_HZ: the unit of /proc/stat and /proc/[pid]/stat times (100 on Linux). */
export const TICKS_PER_SECOND = 100;

/** A /proc file's text, or null where it is missing (not Linux, or the process is gone). */
export function readProc(file: string): string | null {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

/**
 * Busy and total ticks of the whole machine, all cores (the `cpu` line of /proc/stat): busy is user,
 * nice, system, irq, softirq and steal; total adds idle and iowait.
 */
export function machineTicks(): { busy: number; total: number } | null {
  const line = readProc("/proc/stat")?.split("\n")[0];
  if (!line?.startsWith("cpu ")) return null;
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line
    .slice(4).trim().split(/\s+/).map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/**
 * utime + stime of a process (all its threads), in ticks; with `children`, plus those of its children
 * that have exited and been waited for (a driver's finished `wrk` runs). Null when it is gone.
 */
export function processTicks(pid: number | "self", children = false): number | null {
  const text = readProc(`/proc/${pid}/stat`);
  if (!text) return null;
  // The command name, in parentheses, may hold spaces: count fields from after its closing one.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ").map(Number);
  const own = (fields[11] ?? 0) + (fields[12] ?? 0);
  return children ? own + (fields[13] ?? 0) + (fields[14] ?? 0) : own;
}
