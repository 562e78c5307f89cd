/**
 * CPU seconds used by this test worker's process tree (the browser it launched: every Chromium
 * process, the renderer and its Web Workers included), read from Linux's /proc. On a machine
 * shared with other work, a journey's wall time says little about what it costs CI; its CPU time
 * hardly changes with the load, and on an idle machine the wall time is about that or less. Only
 * logged, never a pass/fail check. Returns null where there is no /proc.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

export function processTreeCpuSeconds(root = process.pid): number | null {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return null;
  }
  const children = new Map<number, number[]>();
  const ticks = new Map<number, number>();
  for (const e of entries) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${e}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // The command name (field 2) may hold spaces: the fields after it follow its closing ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(f[1]);
    // utime, stime, and the same for children already waited for (fields 14–17).
    ticks.set(Number(e), Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]));
    children.set(ppid, [...(children.get(ppid) ?? []), Number(e)]);
  }
  let total = 0;
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    total += ticks.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return total / TICKS_PER_SECOND;
}
