// Renders the tables of docs/results.md from what tools/results/reproduce.sh wrote, so that the
// document's numbers come from the run's own files and nothing is typed by hand:
//
//   node tools/results/table.mjs [build/results]  > markdown on stdout
//
// Reads sweep/, sweep-avg2/, sweep-random/, sweep-twin/ (sweep.json, or the sweep.csv kept in
// docs/results/), pixels/result.json and probe-all-t*/result.json. A part that is missing is
// reported as missing, not skipped silently.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? 'build/results';
const read = (...p) => {
  const f = join(dir, ...p);
  return existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : null;
};
const pct = (v) => (v == null ? '–' : `${(100 * v).toFixed(2)}%`);

/** A sweep's grid from its sweep.json, else from the sweep.csv kept in docs/results/<name>/. */
function readSweep(name) {
  const json = read(name, 'sweep.json');
  if (json) return json;
  const csv = join('docs/results', name, 'sweep.csv');
  if (!existsSync(csv)) return null;
  const rows = readFileSync(csv, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));
  const blocks = [...new Set(rows.map((r) => r[0]))];
  const timesteps = [...new Set(rows.map((r) => Number(r[1])))];
  const validationAccuracy = blocks.map(() => timesteps.map(() => null));
  let chosen = null;
  for (const [block, t, v, , , isChosen, test] of rows) {
    validationAccuracy[blocks.indexOf(block)][timesteps.indexOf(Number(t))] = v === '' ? null : Number(v);
    if (isChosen === 'yes')
      chosen = {
        block,
        t: Number(t),
        validationAccuracy: Number(v),
        testAccuracy: test === '' ? null : Number(test),
      };
  }
  return { blocks, timesteps, validationAccuracy, chosen };
}
const out = [];

/** Validation accuracy of every cell, the chosen one in bold, and where each row peaks. */
function grid(title, sweep) {
  if (!sweep) {
    out.push(`_${title}: not run (its sweep.json is missing)._`, '');
    return;
  }
  const { blocks, timesteps, validationAccuracy, chosen } = sweep;
  out.push(`**${title}.** Validation accuracy per cell; **bold**: the chosen cell.`, '');
  out.push(`| block | ${timesteps.map((t) => `t = ${t}`).join(' | ')} |`);
  out.push(`| --- | ${timesteps.map(() => '---:').join(' | ')} |`);
  blocks.forEach((b, i) => {
    const cells = validationAccuracy[i].map((v, j) => {
      const s = pct(v);
      return chosen && chosen.block === b && chosen.t === timesteps[j] ? `**${s}**` : s;
    });
    out.push(`| ${b} | ${cells.join(' | ')} |`);
  });
  out.push('');
  if (chosen)
    out.push(
      `Chosen on validation: ${chosen.block} at t = ${chosen.t} (validation ${pct(chosen.validationAccuracy)}); ` +
        `its test accuracy, measured once: **${pct(chosen.testAccuracy)}**.`,
      '',
    );
}

const sweep = read('sweep', 'sweep.json');
const avg2 = read('sweep-avg2', 'sweep.json');
const random = readSweep('sweep-random');
const twin = readSweep('sweep-twin');
const pixels = read('pixels', 'result.json');
const allDirs = existsSync(dir) ? readdirSync(dir).filter((d) => /^probe-all-t\d+$/.test(d)) : [];
const all = allDirs.map((d) => ({ t: Number(d.slice('probe-all-t'.length)), r: read(d, 'result.json') }));

out.push(
  '| probe (test accuracy on the 10,000 test images) | full split (60,000 / 10,000) | model card (5,000 / 2,000) |',
);
out.push('| --- | ---: | ---: |');
out.push(`| raw pixels, logistic regression (published: 84.2%) | ${pct(pixels?.testAccuracy)} | 80.30% |`);
const c = sweep?.chosen;
out.push(
  `| best single block, global average pooling (chosen on validation: ${c ? `${c.block}, t = ${c.t}` : '–'}) | ${pct(c?.testAccuracy)} | 89.20% (up1_0, t = 10, best on test) |`,
);
const c2 = avg2?.chosen;
out.push(
  `| best of the three best blocks, 2×2 pooling (${c2 ? `${c2.block}, t = ${c2.t}` : '–'}) | ${pct(c2?.testAccuracy)} | 90.20% (up1_0, t = 10, best on test) |`,
);
for (const { t, r } of all)
  out.push(
    `| all 16 blocks concatenated, global average pooling, t = ${t} | ${pct(r?.testAccuracy)} | 89.10% (t = 0) |`,
  );
const cr = random?.chosen;
out.push(
  `| randomly initialised network of the same shape, best block (${cr ? `${cr.block}, t = ${cr.t}` : '–'}) | ${pct(cr?.testAccuracy)} | 77.80% (down1_1, t = 25, best on test) |`,
);
const ct = twin?.chosen;
out.push(
  `| the default model's random-weights twin (\`--random-weights\`, init seed 0), best block (${ct ? `${ct.block}, t = ${ct.t}` : '–'}) | ${pct(ct?.testAccuracy)} | – |`,
);
out.push('');

grid('Every block × t, global average pooling (the default model)', sweep);
grid('2×2 pooling, the three blocks with the highest validation accuracy', avg2);
grid('Randomly initialised network of the same shape (seed 0), global average pooling', random);
grid("The default model's random-weights twin (init seed 0), global average pooling", twin);

/** `a` − `b` per cell at their common timesteps, in points of validation accuracy. */
function difference(title, a, b) {
  if (!a || !b) return;
  const ts = a.timesteps.filter((t) => b.timesteps.includes(t));
  out.push(`**${title}, per cell** (points of validation accuracy).`, '');
  out.push(`| block | ${ts.map((t) => `t = ${t}`).join(' | ')} |`);
  out.push(`| --- | ${ts.map(() => '---:').join(' | ')} |`);
  const diffs = [];
  a.blocks.forEach((block, i) => {
    const k = b.blocks.indexOf(block);
    const cells = ts.map((t) => {
      const x = a.validationAccuracy[i][a.timesteps.indexOf(t)];
      const y = k < 0 ? null : b.validationAccuracy[k][b.timesteps.indexOf(t)];
      if (x == null || y == null) return '–';
      diffs.push(100 * (x - y));
      return `${x >= y ? '+' : '−'}${Math.abs(100 * (x - y)).toFixed(2)}`;
    });
    out.push(`| ${block} | ${cells.join(' | ')} |`);
  });
  const mean = diffs.reduce((x, y) => x + y, 0) / Math.max(1, diffs.length);
  out.push('', `Mean over the cells: ${mean >= 0 ? '+' : '−'}${Math.abs(mean).toFixed(2)} points.`, '');
}

difference('Twin − random-init network', twin, random);
difference('Trained − random-weights twin', readSweep('sweep'), twin);

process.stdout.write(`${out.join('\n')}\n`);
