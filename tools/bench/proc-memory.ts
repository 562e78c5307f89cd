/**
 * Peak memory of a process tree on Linux, read from /proc: the benchmarks' "peak RSS" of a browser
 * (its renderer, GPU and utility processes together) while it works. Not a test helper; Linux only.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** The pid and every descendant of `root`, from each process's parent pid in /proc/<pid>/stat. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // pid (comm) state ppid …: comm may hold spaces and parentheses, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // the process ended while we looked
    }
  }
  const out: number[] = [];
  const visit = (pid: number) => {
    out.push(pid);
    for (const c of children.get(pid) ?? []) visit(c);
  };
  visit(root);
  return out;
}

function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/**
 * The top processes of browsers this process started (Playwright's Browser does not give its pid):
 * descendants whose name says chrome/chromium and whose parent's does not. `except`: ones seen before.
 */
export function browserRoots(except: readonly number[] = []): number[] {
  const tree = processTree(process.pid);
  const isBrowser = (pid: number) => /chrom/i.test(comm(pid));
  const parent = (pid: number) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      return 0;
    }
  };
  return tree.filter((p) => isBrowser(p) && !isBrowser(parent(p)) && !except.includes(p));
}

/** A field of /proc/<pid>/status in bytes (VmRSS, VmHWM…), or 0 when the process is gone. */
export function statusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export interface TreePeak {
  /** The largest sum of VmRSS over the tree seen by a sample (shared pages counted once per process). */
  treeRss: number;
  /** The largest single process's peak (VmHWM), e.g. the renderer that holds the page's WASM heap. */
  processHwm: number;
}

/**
 * Samples the tree under `root` every `everyMs` until stopped. VmHWM is the kernel's own peak of
 * each process, so the single-process figure misses nothing between samples; the tree's sum is as
 * good as the sampling.
 */
export function sampleTree(root: number, everyMs = 500): { stop: () => TreePeak } {
  const peak: TreePeak = { treeRss: 0, processHwm: 0 };
  const hwm = new Map<number, number>();
  const sample = () => {
    let sum = 0;
    for (const pid of processTree(root)) {
      sum += statusBytes(pid, 'VmRSS');
      hwm.set(pid, Math.max(hwm.get(pid) ?? 0, statusBytes(pid, 'VmHWM')));
    }
    peak.treeRss = Math.max(peak.treeRss, sum);
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      sample();
      clearInterval(timer);
      peak.processHwm = Math.max(0, ...hwm.values());
      return { ...peak };
    },
  };
}
