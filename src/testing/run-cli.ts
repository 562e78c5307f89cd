/**
 * @file The CLI's main() run in-process for tests: exit code, stdout and stderr as strings.
 */
import { main } from '../cli/main';

export async function runCli(
  argv: string[],
  /** The environment, or a folder for the feature cache (DIFFPROBE_CACHE_DIR). */
  env: Record<string, string> | string = {},
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, {
    out: (s) => out.push(s),
    err: { write: (s: string) => err.push(s), isTTY: false },
    env: typeof env === 'string' ? { DIFFPROBE_CACHE_DIR: env } : env,
  });
  return { code, out: out.join('\n'), err: err.join('') };
}
