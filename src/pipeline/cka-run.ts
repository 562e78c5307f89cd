/**
 * @file A CKA matrix, the same in the app and the CLI: extract each (model, t)'s blocks once for
 * the spec's images — pooled features through extractFeatures (cached), or full maps reduced to
 * Gram matrices by extractGrams — then one `cka` job over every pair. Values stream in as they are
 * computed; Stop keeps them (and during extraction, the matrix simply stays empty).
 */
import { checkCkaImages } from '../core/cka/linear-cka';
import { DiffProbeError, isDiffProbeError } from '../core/errors';
import type { CkaInput } from '../worker/jobs';
import { type CkaMatrix, type CkaRep, type CkaSpec, emptyMatrix } from './cka-spec';
import { EXTRACT_BATCH, extractAt } from './features';
import type { PipelineRuntime } from './runtime';

/** x_0 of the spec's images for one model ([n, C, H, W], a fresh array each call: it is transferred). */
export type ModelImageInput = (model: string) => Float32Array;

export interface CkaEvents {
  /** After every value, and at the end. */
  onMatrix?: (matrix: CkaMatrix) => void;
  /** Work units: each (model, t) extraction, then the pairs. */
  onProgress?: (done: number, total: number, note: string) => void;
}

const keyOf = (r: CkaRep) => `${r.model}\u0000${r.t}\u0000${r.block}`;

/**
 * Runs a CKA spec. Resolves with the matrix ('done' or 'stopped'); throws DiffProbeError('cka-data')
 * for too few images, and any runtime error after onMatrix has had the values so far.
 */
export async function runCka(
  rt: PipelineRuntime,
  spec: CkaSpec,
  input: ModelImageInput,
  events: CkaEvents = {},
): Promise<CkaMatrix> {
  const n = spec.images.ids.length;
  checkCkaImages(n);
  let matrix = emptyMatrix(spec);
  events.onMatrix?.(matrix);
  // The distinct representations, and the (model, t) extractions they need.
  const reps: CkaRep[] = [];
  const index = new Map<string, number>();
  for (const r of [...spec.rows, ...spec.cols])
    if (!index.has(keyOf(r))) {
      index.set(keyOf(r), reps.length);
      reps.push(r);
    }
  const groups = new Map<string, { model: string; t: number; blocks: string[] }>();
  for (const r of reps) {
    const g = `${r.model}\u0000${r.t}`;
    const group = groups.get(g) ?? { model: r.model, t: r.t, blocks: [] };
    if (!group.blocks.includes(r.block)) group.blocks.push(r.block);
    groups.set(g, group);
  }
  const total = 2 * groups.size;
  let done = 0;
  const report = (note: string) => events.onProgress?.(done, total, note);
  const inputs: CkaInput[] = new Array(reps.length);
  const name = (model: string) => spec.models[model]?.name ?? model.slice(0, 12);
  try {
    for (const { model, t, blocks } of groups.values()) {
      const label = `${spec.features === 'maps' ? 'maps' : 'features'} of ${name(model)} at t = ${t}`;
      report(label);
      if (spec.features === 'pooled') {
        const before = done;
        const { features, dims } = await extractAt(
          rt,
          { model, blocks, timesteps: [t], seed: spec.seed, pooling: spec.pooling ?? { kind: 'avg' } },
          t,
          n,
          () => input(model),
          label,
          (filled) => {
            done = before + filled / n;
            report(`${label}: ${filled}/${n} images`);
          },
        );
        for (const block of blocks)
          inputs[index.get(keyOf({ model, block, t }))!] = {
            kind: 'features',
            X: features[block],
            dim: dims[block],
          };
      } else {
        const data = input(model);
        const result = await rt.run(
          'extractGrams',
          {
            images: { data, count: n },
            t,
            seed: spec.seed,
            blocks,
            estimator: spec.estimator,
            batchSize: EXTRACT_BATCH,
            model,
          },
          { label, transfer: [data.buffer] },
        );
        for (const block of blocks) {
          const g = result.grams[block];
          inputs[index.get(keyOf({ model, block, t }))!] = { kind: 'gram', estimator: spec.estimator, ...g };
        }
      }
      done = Math.ceil(done);
    }
    report('CKA');
    const rows = spec.rows.map((r) => index.get(keyOf(r))!);
    const cols = spec.cols.map((r) => index.get(keyOf(r))!);
    const pairs = spec.rows.length * spec.cols.length;
    let cells = 0;
    const values = matrix.values.map((row) => [...row]);
    const reasons = matrix.reasons.map((row) => [...row]);
    const result = await rt.run(
      'cka',
      { inputs, n, estimator: spec.estimator, rows, cols },
      {
        label: `CKA: ${spec.rows.length} × ${spec.cols.length}`,
        onPartial: (cell) => {
          values[cell.row][cell.col] = cell.value;
          reasons[cell.row][cell.col] = cell.reason;
          cells++;
          done = groups.size + (groups.size * cells) / pairs;
          matrix = { ...matrix, values: values.map((r) => [...r]), reasons: reasons.map((r) => [...r]) };
          events.onMatrix?.(matrix);
          report(`${cells} of ${pairs} values`);
        },
      },
    );
    matrix = {
      ...matrix,
      values: result.values,
      reasons,
      route: result.route,
      status: result.stopped ? 'stopped' : 'done',
      ckaSeconds: result.ms / 1000,
    };
    done = total;
    events.onMatrix?.(matrix);
    return matrix;
  } catch (error) {
    if (!isDiffProbeError(error, 'cancelled')) throw error;
    matrix = { ...matrix, status: 'stopped' };
    events.onMatrix?.(matrix);
    return matrix;
  }
}

/** The spec's representations for a view (rows, columns), checked against the models' blocks. */
export function ckaAxes(
  view: CkaSpec['view'],
  settings: {
    model: string;
    blocks: readonly string[];
    timesteps: readonly number[];
    /** The second model and its blocks (view 'models'). */
    other?: { model: string; blocks: readonly string[] };
  },
): { rows: CkaRep[]; cols: CkaRep[] } {
  const { model, blocks, timesteps } = settings;
  if (!blocks.length || !timesteps.length)
    throw new DiffProbeError('cka-data', 'CKA needs at least one block and one timestep');
  if (view === 'timesteps') {
    const rows = timesteps.map((t) => ({ model, block: blocks[0], t }));
    return { rows, cols: rows };
  }
  const t = timesteps[0];
  const rows = blocks.map((block) => ({ model, block, t }));
  if (view === 'blocks') return { rows, cols: rows };
  if (!settings.other) throw new DiffProbeError('cka-data', 'CKA between models needs a second model');
  return { rows, cols: settings.other.blocks.map((block) => ({ model: settings.other!.model, block, t })) };
}
