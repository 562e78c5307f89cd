/**
 * @file `reproduce` of a CKA matrix: the same spec (axes, estimator, pooled features or full maps,
 * noise seed, images) rebuilt from the record, run by the same orchestration as the app and
 * `diffprobe cka` (pipeline/cka-run.ts), every entry compared at ±1e-4. A 'models' view opens its
 * second model too: another model (bundled, or --versus-model), or the random-weights twin made
 * again from the record's init seed and checked by its SHA-256.
 */
import { DiffProbeError } from '../core/errors';
import { nodeRuntimeVersion } from '../engine/onnx-node';
import { runCka } from '../pipeline/cka-run';
import { type CkaModel, type CkaSpec, ckaToJson } from '../pipeline/cka-spec';
import { nodeOrigin, type Provenance } from '../pipeline/provenance';
import type { PipelineRuntime } from '../pipeline/runtime';
import { str } from './args';
import { ckaModel } from './cka';
import { startSession } from './common';
import type { ModelFile, NodeModel } from './load';
import { createProgress } from './progress';
import { compare, TOLERANCE } from './reproduce-compare';
import { locateModel, locateTwin, recordImages } from './reproduce-inputs';
import type { ReproduceOutcome, ReproduceRun } from './reproduce-kind';
import { createNodeRuntime } from './runtime';

type CkaSettings = Extract<Provenance['settings'], { kind: 'cka' }>;

/** The columns' model of a 'models' view: the twin made again, or another model located by SHA-256. */
async function versusFile(run: ReproduceRun, s: CkaSettings): Promise<ModelFile | null> {
  if (!s.versus) return null;
  const flag = { name: 'versus-model', path: str(run.flags, 'versus-model') };
  return s.versus.twin
    ? locateTwin(s.versus.model, s.versus.twin, run.model, flag)
    : locateModel(s.versus.model, flag);
}

export async function reproduceCka(run: ReproduceRun): Promise<ReproduceOutcome> {
  const { p, json, model, flags, ctx } = run;
  const s = p.settings as CkaSettings;
  const other = await versusFile(run, s);
  const differ: string[] = [];
  const firstId = p.model.id;
  const inputs = new Map<string, (ids: string[]) => Float32Array>([[firstId, run.input]]);
  const runtimes = new Map<string, PipelineRuntime>([[firstId, run.rt]]);
  const models: Record<string, CkaModel> = { [firstId]: ckaModel(model) };
  const origins = { [firstId]: run.origin };
  let second: NodeModel | null = null;
  try {
    if (other && s.versus) {
      const secondId = s.versus.model.id;
      const images = await recordImages(p, other, str(flags, 'images'), s.versus.x0);
      differ.push(...images.differ.map((id) => `${id} (${s.versus!.model.name})`));
      second = await startSession(flags, other);
      inputs.set(secondId, images.input);
      runtimes.set(
        secondId,
        createNodeRuntime({
          model: second,
          cacheDir: run.cacheDir,
          progress: (label, total, unit) =>
            createProgress(ctx.err, label, total, unit, { quiet: flags.quiet === true }),
        }),
      );
      models[secondId] = ckaModel(other);
      origins[secondId] = nodeOrigin(second, nodeRuntimeVersion());
    }
    const spec: CkaSpec = {
      view: s.view,
      rows: s.rows.map((r) => ({ ...r })),
      cols: s.cols.map((r) => ({ ...r })),
      estimator: s.estimator,
      features: s.features,
      pooling: s.pooling,
      seed: s.seed,
      images: {
        source: String((json.spec as CkaSpec | undefined)?.images?.source ?? 'the export’s images'),
        ids: [...p.images.ids],
      },
      models,
    };
    for (const r of [...spec.rows, ...spec.cols])
      if (!runtimes.has(r.model))
        throw new DiffProbeError(
          'cka-data',
          `the record's axes name a model (${r.model}) it does not describe`,
        );
    // Each job goes to the runtime of the model it names; cka names none (it runs on the first's).
    const rt: PipelineRuntime = {
      run: (job, params, call) =>
        runtimes.get((params as { model?: string }).model ?? firstId)!.run(job, params, call),
    };
    const matrix = await runCka(rt, spec, (m) => inputs.get(m)!(p.images.ids), { origins });
    const values = json.values as (number | null)[][] | undefined;
    // A stopped export's empty cells were never computed: only the ones it has are compared.
    const partial = json.status !== undefined && json.status !== 'done';
    const comparisons = spec.rows.flatMap((r, i) =>
      spec.cols.flatMap((c, j) => {
        const expected = values?.[i]?.[j] ?? null;
        if (partial && expected === null) return [];
        const what =
          spec.view === 'timesteps'
            ? `${r.block}: t = ${r.t} × t = ${c.t}`
            : `${r.block} × ${c.block}${spec.view === 'models' ? ` (${models[c.model]?.name})` : ''} at t = ${r.t}`;
        return [compare(what, expected, matrix.values[i]?.[j] ?? null, TOLERANCE.cka)];
      }),
    );
    await run.out.write('cka.json', ckaToJson(matrix));
    const notes = [
      `compared ${comparisons.length} CKA values (${spec.estimator}, ${spec.features === 'maps' ? 'full maps' : 'pooled features'}) at ±${TOLERANCE.cka}`,
    ];
    if (partial) notes.push(`the export's matrix was ${json.status}: only its computed cells are compared`);
    return { comparisons, differ, notes };
  } finally {
    await second?.unet.release().catch(() => {});
  }
}
