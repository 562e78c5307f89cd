/**
 * @file The CLI run in-process for tests: its exit code, stdout and stderr as strings, its feature
 * cache under `cacheDir`.
 */
import { main } from '../cli/main';

export async function runCli(
  argv: string[],
  cacheDir: string,
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, {
    out: (s) => out.push(s),
    err: { write: (s: string) => err.push(s), isTTY: false },
    env: { DIFFPROBE_CACHE_DIR: cacheDir },
  });
  return { code, out: out.join('\n'), err: err.join('') };
}
