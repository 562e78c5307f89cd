/**
 * `npm run bench`: runs every benchmark script in tools/bench/ one after another (never two at
 * once: they would slow each other), reads the ratios each one prints, and writes one dated table
 * of them, with the machine it ran on, into docs/benchmarks.md (newest first, under
 * "## All benchmarks (`npm run bench`)"). The scripts' own full output goes to
 * build/bench/<name>.log.
 *
 * A script that fails (no Chromium, no python3-sklearn …) gets a row saying so; the others still
 * run. `BENCH_ONLY=infer,probe` runs a subset.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { basename, join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const DOC = process.env.BENCH_DOC ?? join(ROOT, 'docs/benchmarks.md');
const HEADING = '## All benchmarks (`npm run bench`)';
/** Helpers, not benchmarks. */
const NOT_BENCHMARKS = new Set(['browser.ts', 'run-all.ts', 'run-all.test.ts']);

export interface Row {
  bench: string;
  measure: string;
  /** What was measured, with its unit ("0.33×", "41.2 ms"). */
  value: string;
  /** The ratio the row is about (lower or higher is better as `measure` says), or null. */
  ratio: number | null;
}

const num = (s: string) => Number(s.replace(/[^\d.]/g, ''));

/**
 * The ratios in a benchmark's output. Each script prints its results for people; these patterns
 * read them, so the scripts need no change (a script whose output no longer matches gets a row
 * saying so, not a wrong number).
 */
export function parseOutput(bench: string, out: string): Row[] {
  const rows: Row[] = [];
  if (bench === 'infer') {
    // | batch | native 1T | browser WASM 1T | ratio 1T | native 2T | browser WASM 2T | ratio 2T |
    for (const m of out.matchAll(
      /^\|\s*(\d+)\s*\|\s*([\d.]+)\s*\|\s*([\d.]+)\s*\|\s*([\d.]+)×\s*\|\s*([\d.]+)\s*\|\s*([\d.]+)\s*\|\s*([\d.]+)×\s*\|$/gm,
    )) {
      const [, batch, n1, w1, r1, n2, w2, r2] = m;
      rows.push({
        bench,
        measure: `browser WASM / native images/s, batch ${batch}, 1 thread`,
        value: `${w1} / ${n1} img/s`,
        ratio: Number(r1),
      });
      rows.push({
        bench,
        measure: `browser WASM / native images/s, batch ${batch}, 2 threads`,
        value: `${w2} / ${n2} img/s`,
        ratio: Number(r2),
      });
    }
    // Two cores, …: browser engine + helper (…) X images/s; one engine with 2 threads Y; native 2 threads Z: ratio …
    const two =
      /^Two cores.*?\) ([\d.]+) images\/s; one engine with 2 threads [\d.]+; native 2 threads ([\d.]+)/m.exec(
        out,
      );
    if (two)
      rows.push({
        bench,
        measure: 'browser WASM engine + helper (1 thread each) / native 2 threads, batch 32, 2 cores',
        value: `${two[1]} / ${two[2]} img/s`,
        ratio: num(two[1]) / num(two[2]),
      });
  } else if (bench === 'explorer') {
    const budgets: [RegExp, string, number][] = [
      [/^\| block switch[^|]*\|\s*([\d.]+) ms\s*\|\s*([\d.]+) ms/m, 'block switch p95 / 50 ms budget', 50],
      [
        /^\| timestep change[^|]*\|\s*([\d.]+) ms\s*\|\s*([\d.]+) ms/m,
        'timestep step p95 / 150 ms budget',
        150,
      ],
    ];
    for (const [re, measure, budget] of budgets) {
      const m = re.exec(out);
      if (m) rows.push({ bench, measure, value: `${m[2]} ms (p50 ${m[1]} ms)`, ratio: num(m[2]) / budget });
    }
  } else if (bench === 'probe') {
    const m = /browser \/ scikit-learn time[^:]*:\s*([\d.]+)×/.exec(out);
    const size = /Chromium worker \(trainProbe job\) (\d+×\d+)/.exec(out)?.[1] ?? '';
    if (m)
      rows.push({
        bench,
        measure: `probe training time, browser / scikit-learn ${size}`.trim(),
        value: `${m[1]}×`,
        ratio: Number(m[1]),
      });
  } else if (bench === 'tsne') {
    for (const m of out.matchAll(
      /^N=(\d+): sklearn ([\d.]+) s.*?TS ([\d.]+) s.*ratio TS\/sklearn = ([\d.]+)/gm,
    ))
      rows.push({
        bench,
        measure: `t-SNE time, browser / scikit-learn, ${m[1]} points`,
        value: `${m[3]} s / ${m[2]} s`,
        ratio: Number(m[4]),
      });
  } else if (bench === 'cka') {
    for (const m of out.matchAll(
      /^CKA (\d+ × \d+ on \d+ images, [^:]+): (browser|wasm|js) ([\d.]+) s \/ numpy ([\d.]+) s = ([\d.]+)×/gm,
    ))
      rows.push({
        bench,
        measure: `CKA time, ${m[2]} / NumPy, ${m[1]}`,
        value: `${m[3]} s / ${m[4]} s`,
        ratio: Number(m[5]),
      });
  } else if (bench === 'sweep') {
    const m = /^Default sweep \(([^)]*)\): ([\d.]+) s/m.exec(out);
    if (m)
      rows.push({ bench, measure: `default sweep wall time (${m[1]})`, value: `${m[2]} s`, ratio: null });
  } else if (bench === 'heads') {
    // mlp: parity within ±1 point (Δ -0.73), browser / PyTorch time 2.31× (3 seeds)
    for (const m of out.matchAll(
      /^(\w+): parity (within|OUTSIDE) ±1 point \(Δ ([-\d.]+)\), browser \/ PyTorch time ([\d.]+)× \((\d+) seeds\)$/gm,
    ))
      rows.push({
        bench,
        measure: `${m[1]} head training time, browser WASM / PyTorch (test accuracy Δ ${m[3]} points, ${m[2]} ±1, ${m[5]} seeds)`,
        value: `${m[4]}×`,
        ratio: Number(m[4]),
      });
  }
  return rows;
}

/** The machine, for the table's heading. */
export function machine(): string {
  const c = cpus();
  const model = c[0]?.model.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
  return `${c.length} × ${model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${platform()} ${release()}, Node ${process.versions.node}`;
}

/** The dated section for `rows`. */
export function section(
  date: Date,
  machineText: string,
  load: [number, number],
  rows: Row[],
  failed: string[],
): string {
  const lines = [
    `### ${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `Machine: ${machineText}. Load average ${load[0].toFixed(2)} before, ${load[1].toFixed(2)} after (other work on the machine makes every figure worse).`,
    '',
    '| benchmark | measure | value | ratio |',
    '| --- | --- | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.bench} | ${r.measure} | ${r.value} | ${r.ratio === null ? '–' : `${r.ratio.toFixed(2)}×`} |`,
    ),
    ...failed.map(
      (f) =>
        `| ${f.split(':')[0]} | failed: ${f
          .slice(f.indexOf(':') + 1)
          .trim()
          .replace(/\|/g, '\\|')} | – | – |`,
    ),
    '',
  ];
  return lines.join('\n');
}

/** `doc` with `text` as the newest section under HEADING (added after the intro when absent). */
export function insertSection(doc: string, text: string): string {
  const at = doc.indexOf(HEADING);
  if (at >= 0) {
    const after = at + HEADING.length;
    const rest = doc.slice(after).replace(/^\n+/, '');
    return `${doc.slice(0, after)}\n\n${text}\n${rest}`;
  }
  const firstSection = doc.indexOf('\n## ');
  const intro = firstSection >= 0 ? doc.slice(0, firstSection + 1) : `${doc}\n`;
  const rest = firstSection >= 0 ? doc.slice(firstSection + 1) : '';
  return `${intro}\n${HEADING}\n\nEach run of \`npm run bench\` adds a table here, newest first. Ratios: browser / native or / scikit-learn (lower is faster), or measured / budget (≤ 1 meets it).\n\n${text}\n${rest}`;
}

function runScript(file: string, log: string): Promise<{ code: number; out: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), file], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      process.stdout.write(d);
    });
    child.stderr.on('data', (d) => {
      out += d;
      process.stderr.write(d);
    });
    child.on('close', (code) => {
      writeFileSync(log, out);
      done({ code: code ?? 1, out });
    });
  });
}

async function main() {
  const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim());
  const scripts = readdirSync(import.meta.dirname)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !NOT_BENCHMARKS.has(f))
    .filter((f) => !only || only.includes(basename(f, '.ts')))
    .sort();
  const logs = join(ROOT, 'build/bench');
  mkdirSync(logs, { recursive: true });
  const started = new Date();
  const loadBefore = loadavg()[0];
  const rows: Row[] = [];
  const failed: string[] = [];
  for (const file of scripts) {
    const bench = basename(file, '.ts');
    console.log(`\n=== ${bench} (${file}) ===`);
    const { code, out } = await runScript(join(import.meta.dirname, file), join(logs, `${bench}.log`));
    const found = parseOutput(bench, out);
    if (code !== 0) {
      const last = out.trim().split('\n').filter(Boolean).at(-1) ?? `exit code ${code}`;
      failed.push(`${bench}: ${last.slice(0, 160)} (exit ${code}; build/bench/${bench}.log)`);
    } else if (!found.length)
      failed.push(`${bench}: no ratio found in its output (build/bench/${bench}.log)`);
    rows.push(...found);
  }
  const text = section(started, machine(), [loadBefore, loadavg()[0]], rows, failed);
  writeFileSync(DOC, insertSection(readFileSync(DOC, 'utf8'), text));
  console.log(`\n${text}\nwritten to docs/benchmarks.md`);
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
