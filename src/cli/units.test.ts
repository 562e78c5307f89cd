/** The CLI's small parts, without a model: shards, progress display, argv parsing, CLI wording. */
import { describe, expect, it } from 'vitest';
import { describeError } from '../app/messages';
import { DiffProbeError, ERROR_CODES } from '../core/errors';
import { type CommandSpec, formatHelp, parseArgs, UsageError } from './args';
import { decodeRecord, encodeRecord } from './feature-cache';
import { createProgress } from './progress';
import { resolveShard, shardDirName, shardRange } from './shard';

describe('shards', () => {
  it('--shard i/N, and the schedulers’ variables', () => {
    expect(resolveShard('1/4', undefined, {})).toEqual({ index: 1, count: 4, from: 'option' });
    expect(resolveShard(undefined, undefined, {})).toBeNull();
    expect(resolveShard(undefined, '8', { JOB_COMPLETION_INDEX: '7' })).toMatchObject({ index: 7, count: 8 });
    expect(
      resolveShard(undefined, undefined, { JOB_COMPLETION_INDEX: '2', DIFFPROBE_SHARDS: '3' }),
    ).toMatchObject({
      index: 2,
      count: 3,
    });
    expect(
      resolveShard(undefined, undefined, {
        SLURM_ARRAY_TASK_ID: '8',
        SLURM_ARRAY_TASK_MIN: '1',
        SLURM_ARRAY_TASK_COUNT: '8',
      }),
    ).toMatchObject({ index: 7, count: 8, from: 'SLURM_ARRAY_TASK_ID' });
    // An explicit --shard wins over the environment.
    expect(resolveShard('0/2', undefined, { JOB_COMPLETION_INDEX: '5' })).toMatchObject({
      index: 0,
      count: 2,
    });
    for (const [opt, shards, env] of [
      ['3/2', undefined, {}],
      ['2/2', undefined, {}],
      ['a/b', undefined, {}],
      [undefined, undefined, { JOB_COMPLETION_INDEX: '0' }],
      [undefined, '4', { JOB_COMPLETION_INDEX: '4' }],
      [undefined, '4', {}],
    ] as const)
      expect(() => resolveShard(opt, shards, env), String(opt)).toThrow(UsageError);
  });

  it('contiguous near-equal parts that cover every item once', () => {
    for (const n of [1, 7, 100, 1001])
      for (const count of [1, 3, 8]) {
        const parts = Array.from({ length: count }, (_, index) =>
          shardRange(n, { index, count, from: 'option' }),
        );
        expect(parts[0][0]).toBe(0);
        expect(parts.at(-1)![1]).toBe(n);
        for (let i = 1; i < count; i++) expect(parts[i][0]).toBe(parts[i - 1][1]);
        const sizes = parts.map(([a, b]) => b - a);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }
    expect(shardDirName({ index: 3, count: 12, from: 'option' })).toBe('shard-0003-of-0012');
  });
});

describe('progress', () => {
  const clock = () => {
    let t = 0;
    return { now: () => t, advance: (ms: number) => (t += ms) };
  };

  it('a bar redrawn in place on a terminal', () => {
    const out: string[] = [];
    const c = clock();
    const p = createProgress(
      { write: (s) => out.push(s), isTTY: true, columns: 100 },
      'extract',
      100,
      'images',
      { now: c.now },
    );
    c.advance(1000);
    p.update(50, 't=25');
    const line = out.at(-1)!;
    // Carriage return and "erase line", then the bar.
    expect(line.startsWith('\r\u001b[2K')).toBe(true);
    expect(line.slice(5)).toMatch(/^extract \[#+-+\] {2}50% 50\/100 images · 50 images\/s · t=25$/);
    p.finish();
    expect(out.at(-1)).toMatch(/100 images in 1\.0 s\n$/);
  });

  it('plain lines, at most one every few seconds, in a log', () => {
    const out: string[] = [];
    const c = clock();
    const p = createProgress({ write: (s) => out.push(s), isTTY: false }, 'sweep', 10, 'units', {
      now: c.now,
      lineEveryMs: 5000,
    });
    p.update(1);
    c.advance(1000);
    p.update(2);
    c.advance(5000);
    p.update(3);
    expect(out).toHaveLength(2);
    expect(out.every((l) => l.endsWith('\n') && !l.includes('\r'))).toBe(true);
    expect(
      createProgress({ write: () => out.push('x') }, 'q', 1, 'x', { quiet: true }).update(1),
    ).toBeUndefined();
  });
});

describe('command lines', () => {
  const spec: CommandSpec = {
    name: 'demo',
    summary: 'a demo',
    options: [
      { name: 'count', value: 'N', help: 'how many', default: '3' },
      { name: 'force', help: 'replace' },
    ],
  };

  it('--key value, --key=value, flags; unknown options and missing values are usage errors', () => {
    expect(parseArgs(spec, ['--count', '4', '--force']).flags).toEqual({ count: '4', force: true });
    expect(parseArgs(spec, ['--count=5']).flags).toEqual({ count: '5' });
    expect(parseArgs(spec, ['--bogus', '--help']).help).toBe(true);
    expect(() => parseArgs(spec, ['--cuont', '4'])).toThrow(/unknown option --cuont; did you mean --count\?/);
    expect(() => parseArgs(spec, ['--count'])).toThrow(/--count needs a value/);
    expect(() => parseArgs(spec, ['--force=yes'])).toThrow(/takes no value/);
    expect(() => parseArgs(spec, ['stray'])).toThrow(/unexpected argument "stray"/);
    expect(formatHelp(spec)).toContain('--count N');
  });

  it('every error code has terminal wording: no page, reload, click or panel', () => {
    for (const code of ERROR_CODES) {
      const { title, text } = describeError(new DiffProbeError(code, 'x'), 'cli');
      expect(`${title} ${text}`, code).not.toMatch(/reload|the page|click|panel|button|choose “/i);
    }
    expect(describeError(new DiffProbeError('dataset-invalid', 'x'), 'app').text).toMatch(/Reload the page/);
  });
});

it('cache records round-trip, and a damaged one is a miss', () => {
  const f = { mid: Float32Array.of(1, 2, 3), 'a/b:0': Float32Array.of(-0.5) };
  const bytes = encodeRecord(f);
  expect(decodeRecord(bytes)).toEqual(f);
  expect(decodeRecord(bytes.subarray(0, bytes.length - 4))).toBeNull();
  expect(decodeRecord(new Uint8Array([1, 2, 3]))).toBeNull();
});
