/**
 * @file Command-line parsing for the CLI: each command declares its options once, and the same
 * declaration parses argv (`--key value`, `--key=value`, boolean `--flag`), rejects unknown options
 * and prints `--help`. Usage errors are {@link UsageError}s (exit code 2).
 */

/** A wrong command line: printed as one line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface OptionSpec {
  name: string;
  /** Placeholder of the value (`N`, `<file>`); absent for a boolean flag. */
  value?: string;
  help: string;
  /** Shown in the help; the command applies it. */
  default?: string;
}

export interface CommandSpec {
  name: string;
  summary: string;
  /** Positional arguments, e.g. '<manifest.json>'; none when empty. */
  positionals?: { name: string; min: number; max: number };
  options: OptionSpec[];
  /** Paragraphs after the option list: what is written, examples. */
  details?: string;
}

export interface ParsedArgs {
  flags: Record<string, string | true>;
  positionals: string[];
  help: boolean;
}

/**
 * Parses `argv` against `spec`. `--help`/`-h` anywhere asks for help (and skips the other checks).
 *
 * @throws UsageError for an unknown option, a missing value or a wrong number of positionals.
 */
export function parseArgs(spec: CommandSpec, argv: readonly string[]): ParsedArgs {
  if (argv.includes('--help') || argv.includes('-h')) return { flags: {}, positionals: [], help: true };
  const byName = new Map(spec.options.map((o) => [o.name, o]));
  const flags: Record<string, string | true> = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--') || a === '--') {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const key = a.slice(2, eq < 0 ? undefined : eq);
    const option = byName.get(key);
    if (!option) throw new UsageError(`unknown option --${key}${suggest(key, spec)}`);
    if (key in flags) throw new UsageError(`--${key} is given twice`);
    if (!option.value) {
      if (eq >= 0) throw new UsageError(`--${key} takes no value`);
      flags[key] = true;
      continue;
    }
    const value = eq >= 0 ? a.slice(eq + 1) : argv[i + 1];
    if (value === undefined || (eq < 0 && value.startsWith('--')) || value === '')
      throw new UsageError(`--${key} needs a value (${option.value})`);
    flags[key] = value;
    if (eq < 0) i++;
  }
  const { min, max } = spec.positionals ?? { min: 0, max: 0 };
  if (positionals.length < min || positionals.length > max) {
    if (!spec.positionals) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
    throw new UsageError(
      positionals.length < min
        ? `${spec.name} needs ${spec.positionals.name}`
        : `too many arguments: ${positionals
            .slice(max)
            .map((p) => JSON.stringify(p))
            .join(' ')}`,
    );
  }
  return { flags, positionals, help: false };
}

/** ", did you mean --x?" for a near miss (same prefix or one edit), else ''. */
function suggest(key: string, spec: CommandSpec): string {
  const near = spec.options.find(
    (o) => o.name.startsWith(key) || key.startsWith(o.name) || withinTwoEdits(o.name, key),
  );
  return near
    ? `; did you mean --${near.name}? (see diffprobe ${spec.name} --help)`
    : ` (see diffprobe ${spec.name} --help)`;
}

/** Whether a and b are at most 2 edits apart (insert, delete, substitute, swap neighbours). */
function withinTwoEdits(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 2) return false;
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.length][b.length] <= Math.min(2, Math.floor(Math.max(a.length, b.length) / 3));
}

/** The text `diffprobe <command> --help` prints. */
export function formatHelp(spec: CommandSpec): string {
  const width = Math.max(...spec.options.map((o) => o.name.length + (o.value ? o.value.length + 1 : 0))) + 4;
  const lines = [
    `diffprobe ${spec.name} — ${spec.summary}`,
    '',
    `usage: diffprobe ${spec.name}${spec.positionals ? ` ${spec.positionals.name}` : ''} [options]`,
    '',
    'options:',
  ];
  for (const o of spec.options) {
    const head = `  --${o.name}${o.value ? ` ${o.value}` : ''}`;
    const help = o.default === undefined ? o.help : `${o.help} (default: ${o.default})`;
    lines.push(`${head.padEnd(width + 2)} ${help}`);
  }
  lines.push(`  --help${' '.repeat(Math.max(1, width - 4))} this text`);
  if (spec.details) lines.push('', spec.details.trim());
  return `${lines.join('\n')}\n`;
}

/** The string value of `key`, or `fallback`. */
export function str(flags: ParsedArgs['flags'], key: string, fallback?: string): string | undefined {
  const v = flags[key];
  return typeof v === 'string' ? v : fallback;
}

/** The string value of a required option. */
export function required(flags: ParsedArgs['flags'], key: string, command: string): string {
  const v = flags[key];
  if (typeof v !== 'string') throw new UsageError(`${command} needs --${key}`);
  return v;
}

/** An integer option in min…max, or `fallback` when absent. */
export function int(
  flags: ParsedArgs['flags'],
  key: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = flags[key];
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (typeof raw !== 'string' || !/^-?\d+$/.test(raw.trim()) || v < min || v > max)
    throw new UsageError(`--${key} must be an integer in ${min}…${max}, got ${JSON.stringify(raw)}`);
  return v;
}

/** A number option in min…max. */
export function num(
  flags: ParsedArgs['flags'],
  key: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = flags[key];
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (typeof raw !== 'string' || !Number.isFinite(v) || v < min || v > max)
    throw new UsageError(`--${key} must be a number in ${min}…${max}, got ${JSON.stringify(raw)}`);
  return v;
}

/** A comma-separated list option ('a,b'), or `fallback`. Empty items are an error. */
export function list(flags: ParsedArgs['flags'], key: string, fallback: string[]): string[] {
  const raw = flags[key];
  if (raw === undefined) return fallback;
  const items = String(raw)
    .split(',')
    .map((s) => s.trim());
  if (items.some((s) => s === '')) throw new UsageError(`--${key} has an empty item: ${JSON.stringify(raw)}`);
  return items;
}

/** Timesteps from "0,25,100": integers in 0…maxT, unique, in the order given. */
export function timesteps(
  flags: ParsedArgs['flags'],
  key: string,
  fallback: number[],
  maxT: number,
): number[] {
  const items = list(flags, key, fallback.map(String));
  const ts = items.map(Number);
  const bad = items.find((s, i) => !/^\d+$/.test(s) || ts[i] > maxT);
  if (bad !== undefined)
    throw new UsageError(`--${key}: ${JSON.stringify(bad)} is not a timestep of this model (0…${maxT})`);
  if (new Set(ts).size !== ts.length)
    throw new UsageError(`--${key} lists a timestep twice: ${items.join(',')}`);
  return ts;
}
