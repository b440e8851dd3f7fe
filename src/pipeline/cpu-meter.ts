/**
 * This machine's CPU time spent while a local expert runs: the process's own (its threads included:
 * tfjs, tesseract's workers, the render pool) from `process.cpuUsage`, and its finished child
 * programs' (espeak-ng, pocketsphinx, darknet) from the `cutime`/`cstime` of /proc/self/stat, which
 * the kernel adds a child's time to when it is reaped. Both are the whole process's: experts running
 * at the same time are each counted the others' time too, so the figure is an upper bound for one
 * request and exact only when one expert runs at a time.
 */
import { readFileSync } from "node:fs";

/** USER_HZ: the unit of /proc's times, 100 on every Linux the bot runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

/** The CPU time of finished children, in ms (0 where /proc is not there). */
function childrenCpuMs(): number {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    // Fields after the command (which may hold spaces) start at the state, field 3; cutime and cstime are 16 and 17.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[13]) + Number(fields[14]);
    return Number.isFinite(ticks) ? (ticks * 1000) / CLOCK_TICKS_PER_SECOND : 0;
  } catch {
    return 0;
  }
}

/** Starts measuring; the function returned gives the CPU ms spent since. */
export function startCpuMeter(): () => number {
  const own = process.cpuUsage();
  const children = childrenCpuMs();
  return () => {
    const spent = process.cpuUsage(own);
    return (spent.user + spent.system) / 1000 + Math.max(0, childrenCpuMs() - children);
  };
}
