/**
 * @file A tiny problem collector for hand-written JSON validation.
 *
 * Each check records `path`, the bad value and what was expected, then returns the value
 * (or `undefined`) so validation continues and the user sees every problem at once instead
 * of fixing them one rerun at a time.
 */

import { quote } from '../errors';

/** One thing wrong with the input, e.g. `{ path: 'input.channels', value: 2, expected: '1 or 3' }`. */
export interface Problem {
  readonly path: string;
  readonly value: unknown;
  readonly expected: string;
}

/** `a.b` / `a[0]` style path join. */
export function at(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

/** Format problems one per line: `- path: got <value>, expected <what>`. */
export function formatProblems(problems: readonly Problem[]): string {
  return problems
    .map((p) => `- ${p.path || '(root)'}: got ${quote(p.value)}, expected ${p.expected}`)
    .join('\n');
}

export class Checker {
  readonly problems: Problem[] = [];

  fail(path: string, value: unknown, expected: string): undefined {
    this.problems.push({ path, value, expected });
    return undefined;
  }

  /** A plain (non-array, non-null) object. */
  object(path: string, v: unknown): Record<string, unknown> | undefined {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
    return this.fail(path, v, 'an object');
  }

  array(path: string, v: unknown, min: number, max: number): unknown[] | undefined {
    if (!Array.isArray(v)) return this.fail(path, v, 'an array');
    if (v.length < min || v.length > max)
      return this.fail(`${path}.length`, v.length, `${min}…${max} entries`);
    return v;
  }

  /** A non-empty string. */
  string(path: string, v: unknown): string | undefined {
    if (typeof v === 'string' && v.length > 0) return v;
    return this.fail(path, v, 'a non-empty string');
  }

  /** A string, possibly empty. */
  text(path: string, v: unknown): string | undefined {
    if (typeof v === 'string') return v;
    return this.fail(path, v, 'a string');
  }

  boolean(path: string, v: unknown): boolean | undefined {
    if (typeof v === 'boolean') return v;
    return this.fail(path, v, 'true or false');
  }

  /** One of a fixed set of literal values. */
  oneOf<T extends string | number>(path: string, v: unknown, allowed: readonly T[]): T | undefined {
    if ((allowed as readonly unknown[]).includes(v)) return v as T;
    return this.fail(path, v, `one of ${allowed.map((a) => quote(a)).join(', ')}`);
  }

  /** A finite number. */
  number(path: string, v: unknown): number | undefined {
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    return this.fail(path, v, 'a finite number');
  }

  /** An integer in [min, max]. */
  integer(path: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
    if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v;
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `in ${min}…${max}`;
    return this.fail(path, v, `an integer ${range}`);
  }
}
