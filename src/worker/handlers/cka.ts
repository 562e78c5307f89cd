/**
 * @file cka: linear CKA between representations of the same n images — pooled features, or Gram
 * matrices from extractGrams — for every (row, column) pair asked for. The route (feature space or
 * n×n Gram matrices) is chosen by cost; each value is streamed as it is computed, and Stop returns
 * the matrix so far. The CLI runs this same function (cli/runtime.ts).
 */
import {
  type CkaOperand,
  checkCkaImages,
  ckaOf,
  featureOperand,
  gramOperand,
  gramRows,
  isConstant,
  routeCosts,
  undefinedReason,
} from '../../core/cka/linear-cka';
import { DiffProbeError } from '../../core/errors';
import type { JobContext } from '../context';
import type { CkaCell, CkaInput, CkaParams, CkaResult } from '../jobs';

type Ctx = Pick<JobContext, 'progress' | 'partial' | 'checkpoint' | 'stopRequested'>;

function checkInputs(params: CkaParams): void {
  const { inputs, n } = params;
  for (const [i, input] of inputs.entries()) {
    const expected = input.kind === 'features' ? n * input.dim : n * n;
    const got = input.kind === 'features' ? input.X.length : input.G.length;
    if (got !== expected)
      throw new DiffProbeError(
        'internal',
        `CKA input ${i} has ${got} values, expected ${expected} for n = ${n}`,
      );
    if (input.kind === 'gram' && input.estimator !== params.estimator)
      throw new DiffProbeError(
        'internal',
        `CKA input ${i} is a ${input.estimator} Gram matrix, not ${params.estimator}`,
      );
  }
  for (const k of [...params.rows, ...params.cols])
    if (!Number.isInteger(k) || k < 0 || k >= inputs.length)
      throw new DiffProbeError('internal', `CKA: no input ${k} (there are ${inputs.length})`);
}

export async function cka(params: CkaParams, ctx: Ctx): Promise<CkaResult> {
  const started = performance.now();
  const { n, estimator, rows, cols, inputs } = params;
  checkCkaImages(n);
  checkInputs(params);
  const symmetric = rows.length === cols.length && rows.every((r, i) => r === cols[i]);
  const pairs: [number, number][] = [];
  for (let i = 0; i < rows.length; i++)
    for (let j = symmetric ? i : 0; j < cols.length; j++) pairs.push([i, j]);
  const used = [...new Set([...rows, ...cols])];
  const dims = inputs.map((x) => (x.kind === 'features' ? x.dim : n));
  const anyGram = inputs.some((x) => x.kind === 'gram');
  const costs = routeCosts(
    n,
    dims,
    pairs.map(([i, j]) => [rows[i], cols[j]]),
  );
  const route: CkaResult['route'] = anyGram || costs.gram < costs.features ? 'gram' : 'features';
  const total = used.length + pairs.length;
  let done = 0;
  const operands = new Map<number, CkaOperand>();
  const prepare = async (k: number): Promise<CkaOperand> => {
    let op = operands.get(k);
    if (op) return op;
    const input: CkaInput = inputs[k];
    if (input.kind === 'gram')
      op = {
        kind: 'gram',
        n,
        estimator,
        G: input.G,
        self: input.constant ? 0 : input.self,
        constant: input.constant,
      };
    else if (route === 'features') op = featureOperand(input.X, n, input.dim, estimator);
    else {
      const K = new Float64Array(n * n);
      for (let row = 0; row < n; row += 64) {
        await ctx.checkpoint();
        gramRows(input.X, n, input.dim, K, row, Math.min(n, row + 64));
      }
      // Kept as float32 past 1,000 images (16 blocks at 2,000: 256 MB instead of 512 MB).
      op = gramOperand(K, n, estimator, isConstant(input.X, n, input.dim), n > 1000 ? 'float32' : 'float64');
    }
    operands.set(k, op);
    ctx.progress(++done, total, `preparing ${operands.size} of ${used.length}`);
    return op;
  };
  const values: (number | null)[][] = rows.map(() => cols.map(() => null));
  let stopped = false;
  try {
    for (const [i, j] of pairs) {
      if (await ctx.stopRequested()) {
        stopped = true;
        break;
      }
      const a = await prepare(rows[i]);
      const b = await prepare(cols[j]);
      const value = ckaOf(a, b);
      const cell: CkaCell = { row: i, col: j, value, reason: undefinedReason(a, b) };
      values[i][j] = value;
      if (symmetric) values[j][i] = value;
      ctx.partial(cell);
      if (symmetric && i !== j) ctx.partial({ ...cell, row: j, col: i });
      ctx.progress(++done, total, `${done - operands.size} of ${pairs.length} pairs`);
    }
  } catch (error) {
    // A Stop during a Gram matrix: what was computed stands.
    if (!(error instanceof DiffProbeError && error.code === 'cancelled')) throw error;
    stopped = true;
  }
  const constant = inputs.map((x, k) =>
    x.kind === 'gram' ? x.constant : (operands.get(k)?.constant ?? isConstant(x.X, n, x.dim)),
  );
  return { values, constant, route, stopped, ms: Math.round(performance.now() - started) };
}
