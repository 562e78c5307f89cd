/** Minimal `--key value` parsing for the CLI; unknown flags are an error, not ignored. */
export function parseFlags(args: string[], known: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${JSON.stringify(a)}`);
    const key = a.slice(2);
    if (!known.includes(key))
      throw new Error(`unknown option --${key} (known: ${known.map((k) => `--${k}`).join(' ')})`);
    const value = args[i + 1];
    if (value === undefined || value.startsWith('--')) throw new Error(`--${key} needs a value`);
    out[key] = value;
    i++;
  }
  return out;
}

export function intFlag(
  flags: Record<string, string>,
  key: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (flags[key] === undefined) return fallback;
  const v = Number(flags[key]);
  if (!Number.isInteger(v) || v < min || v > max)
    throw new Error(`--${key} must be an integer in ${min}…${max}, got ${flags[key]}`);
  return v;
}
