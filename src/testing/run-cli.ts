/**
 * @file The CLI's main() run in-process for tests: exit code, stdout and stderr as strings.
 */
import { main } from '../cli/main';

export async function runCli(
  argv: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, {
    out: (s) => out.push(s),
    err: { write: (s: string) => err.push(s), isTTY: false },
    env,
  });
  return { code, out: out.join('\n'), err: err.join('') };
}
