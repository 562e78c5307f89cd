/**
 * @file `cka`: representational similarity (linear CKA) between blocks, timesteps or two models,
 * headless — the same orchestration (pipeline/cka-run.ts) and arithmetic (the worker's cka and
 * extractGrams handlers) as the app's CKA panel. Writes cka.csv (a header row of names, then one
 * row per block or t, its name first), cka.json (values, undefined cells, the full spec) and
 * cka.svg (the app's heatmap), with run.json.
 */
import type { CkaEstimator } from '../core/cka/linear-cka';
import { numbersKey } from '../core/manifest/numbers-key';
import { nodeRuntimeVersion } from '../engine/onnx-node';
import { ckaFigure } from '../features/cka/figure';
import { ckaAxes, runCka } from '../pipeline/cka-run';
import { type CkaModel, type CkaSpec, ckaToCsv, ckaToJson, describeCka } from '../pipeline/cka-spec';
import { MAX_GRAM_IMAGES } from '../pipeline/grams';
import { nodeOrigin } from '../pipeline/provenance';
import type { PipelineRuntime } from '../pipeline/runtime';
import { matrixSvg } from '../ui/matrix-heatmap';
import { type CommandSpec, int, type ParsedArgs, required, str, timesteps, UsageError } from './args';
import {
  blocksOf,
  CACHE_OPTIONS,
  cacheDirOf,
  DATA_OPTIONS,
  dataSpecOf,
  imagesIdentity,
  MODEL_OPTIONS,
  maxT,
  OUT_OPTION,
  OUTPUT_OPTIONS,
  openModelFile,
  POOLING_BY_NAME,
  poolingsOf,
  SEED_OPTION,
  startSession,
} from './common';
import { type CliContext, modelRecord, runRecord } from './context';
import { withImageSetRecord } from './image-record';
import { openImageSet } from './images';
import { type ModelFile, type NodeModel, readModelFile, twinOfModelFile } from './load';
import { Output, withOutput } from './output';
import { createProgress } from './progress';
import { cliModelId, createNodeRuntime } from './runtime';

type Flags = ParsedArgs['flags'];

export const CKA_SPEC: CommandSpec = {
  name: 'cka',
  summary: 'representational similarity (linear CKA) between blocks, timesteps or two models',
  options: [
    OUT_OPTION,
    {
      name: 't',
      value: 'T[,T2,…]',
      help: 'one t: blocks × blocks (or × the --versus model’s blocks); several: t × t of one block',
      default: '10',
    },
    { name: 'blocks', value: 'a,b', help: 'blocks (one with several --t)', default: 'every block' },
    {
      name: 'versus',
      value: '<manifest.json>|random-weights',
      help: 'a second model whose blocks are the columns: another model, or this model’s random-weights twin',
    },
    {
      name: 'versus-init-seed',
      value: 'S',
      help: 'seed of the twin of --versus random-weights',
      default: '0',
    },
    {
      name: 'maps',
      help: `full maps through n×n Gram matrices (at most ${MAX_GRAM_IMAGES} images) instead of pooled features`,
    },
    {
      name: 'pooling',
      value: 'avg|max|avg2|avg4',
      help: 'pooling of the features (without --maps)',
      default: 'avg',
    },
    {
      name: 'estimator',
      value: 'biased|debiased',
      help: 'HSIC estimator: Kornblith et al. 2019, or the unbiased one of Song et al. 2012',
      default: 'biased',
    },
    SEED_OPTION,
    ...DATA_OPTIONS.filter((o) => o.name !== 'part').map((o) =>
      o.name === 'count' ? { ...o, default: '500' } : o,
    ),
    ...MODEL_OPTIONS,
    ...CACHE_OPTIONS,
    ...OUTPUT_OPTIONS,
  ],
  details: `CKA compares two representations of the same images: 1 means they are the same up to a
rotation and a scale, 0 that they share nothing linear. A value is undefined (empty in cka.csv, null
with its reason in cka.json) when a representation is the same for every image.

examples:
  diffprobe cka --manifest public/models/fashion-mnist-ddpm/manifest.json --t 10 --count 500 --out cka/
  diffprobe cka --manifest m.json --blocks up1_0 --t 0,10,100,500 --out cka-t/
  diffprobe cka --manifest m.json --t 10 --versus random-weights --out cka-twin/
  diffprobe cka --manifest m.json --t 10 --maps --estimator debiased --count 1000 --out cka-maps/`,
};

/** The second model of --versus: another manifest, or the twin of the first. */
async function versusModel(flags: Flags, first: ModelFile): Promise<ModelFile | null> {
  const versus = str(flags, 'versus');
  if (versus === undefined) {
    if (flags['versus-init-seed'] !== undefined)
      throw new UsageError('--versus-init-seed goes with --versus random-weights');
    return null;
  }
  const seed = int(flags, 'versus-init-seed', 0, 0, 0xffffffff);
  if (versus === 'random-weights') {
    // The twin of the trained model, also when --random-weights made the first one a twin.
    const { 'random-weights': _, 'init-seed': __, ...trainedFlags } = flags;
    const trained = first.randomWeights ? await openModelFile(trainedFlags, 'cka') : first;
    return twinOfModelFile(trained, seed);
  }
  if (flags['versus-init-seed'] !== undefined)
    throw new UsageError('--versus-init-seed goes with --versus random-weights');
  return readModelFile(versus);
}

/** The second model's blocks: the same as the first's when it has them all (a twin), else every one. */
function versusBlocks(model: ModelFile, blocks: readonly string[]): string[] {
  const names = model.manifest.blocks.map((b) => b.name);
  return blocks.every((b) => names.includes(b)) ? [...blocks] : names;
}

/** A model of a CKA spec, from its file (a twin: with its trained model and init seed). */
export function ckaModel(m: ModelFile): CkaModel {
  return {
    name: m.manifest.name,
    sha256: m.sha256,
    manifest: m.manifest,
    ...(m.randomWeights ? { twin: { of: m.randomWeights.of, seed: m.randomWeights.initSeed } } : {}),
  };
}

export async function runCkaCommand(ctx: CliContext, args: ParsedArgs): Promise<number> {
  const started = Date.now();
  const { flags } = args;
  const outArg = required(flags, 'out', 'cka');
  const file = await openModelFile(flags, 'cka');
  const other = await versusModel(flags, file);
  const ts = timesteps(flags, 't', [10], maxT(file));
  const maps = flags.maps === true;
  const estimator = (str(flags, 'estimator') ?? 'biased') as CkaEstimator;
  if (estimator !== 'biased' && estimator !== 'debiased')
    throw new UsageError(`--estimator must be biased or debiased, got ${JSON.stringify(estimator)}`);
  if (maps && flags.pooling !== undefined) throw new UsageError('--maps uses the full maps: drop --pooling');
  const [poolName] = poolingsOf(flags);
  if (String(flags.pooling ?? 'avg').includes(',')) throw new UsageError('cka takes one --pooling');
  const seed = int(flags, 'seed', 0, 0, 0xffffffff);
  const blocks = blocksOf(flags, file);
  const view: CkaSpec['view'] = other ? 'models' : ts.length > 1 ? 'timesteps' : 'blocks';
  if (other && ts.length > 1) throw new UsageError('--versus compares blocks at one --t');
  if (view === 'timesteps' && blocks.length !== 1)
    throw new UsageError('several --t compare timesteps of one block: give --blocks with one block');
  if (other && maxT(other) < ts[0])
    throw new UsageError(`--t ${ts[0]} is past the --versus model's last timestep ${maxT(other)}`);

  const images = await openImageSet(
    dataSpecOf(flags, file),
    str(flags, 'labels') ?? null,
    file.manifest,
    file.manifestPath,
  );
  const start = int(flags, 'start', 0, 0, Math.max(0, images.count - 1));
  const count = int(flags, 'count', Math.min(500, images.count - start), 1, images.count - start);
  const rows = Array.from({ length: count }, (_, i) => start + i);
  const selection = { kind: 'range', start, count };

  const cacheDir = cacheDirOf(flags, ctx.env);
  const output = await Output.create(outArg, { force: flags.force === true });
  return await withOutput(output, async (out) => {
    const opened: NodeModel[] = [];
    try {
      const first = await startSession(flags, file);
      opened.push(first);
      const second = other ? await startSession(flags, other) : null;
      if (second) opened.push(second);
      const progressOf = (label: string, total: number, unit: string) =>
        createProgress(ctx.err, label, total, unit, { quiet: flags.quiet === true });
      const runtimes = new Map<string, PipelineRuntime>(
        opened.map((m) => [cliModelId(m), createNodeRuntime({ model: m, cacheDir, progress: progressOf })]),
      );
      const firstId = cliModelId(first);
      // Each job goes to the runtime of the model it names; cka names none.
      const rt: PipelineRuntime = {
        run: (job, params, call) => {
          const model = (params as { model?: string }).model ?? firstId;
          return runtimes.get(model)!.run(job, params, call);
        },
      };
      const axes = ckaAxes(view, {
        model: firstId,
        blocks,
        timesteps: ts,
        other: second ? { model: cliModelId(second), blocks: versusBlocks(second, blocks) } : undefined,
      });
      const spec: CkaSpec = {
        view,
        ...axes,
        estimator,
        features: maps ? 'maps' : 'pooled',
        pooling: maps ? null : POOLING_BY_NAME[poolName],
        seed,
        images: { source: dataSpecOf(flags, file), ids: rows.map((r) => images.id(r)) },
        models: Object.fromEntries(opened.map((m) => [cliModelId(m), ckaModel(m)])),
      };
      const inputs = new Map<string, Float32Array>();
      for (const m of opened) inputs.set(cliModelId(m), await images.modelInput(rows, m.manifest));
      const runtimeVersion = nodeRuntimeVersion();
      const origins = Object.fromEntries(opened.map((m) => [cliModelId(m), nodeOrigin(m, runtimeVersion)]));
      const run = await runCka(rt, spec, (model) => inputs.get(model)!.slice(), { origins });
      // A folder's files and inversions, for `reproduce --images`.
      const matrix = { ...run, provenance: await withImageSetRecord(run.provenance, images, rows) };
      await out.write('cka.csv', ckaToCsv(matrix));
      await out.write('cka.json', ckaToJson(matrix));
      await out.write('cka.svg', matrixSvg(ckaFigure(matrix)));
      const settings = {
        view,
        blocks,
        t: ts,
        versus: str(flags, 'versus') ?? null,
        features: spec.features,
        pooling: maps ? null : poolName,
        estimator,
        seed,
      };
      const record = await runRecord(
        ctx,
        'cka',
        {
          models: opened.map((m) => ({ sha256: m.sha256, numbersKey: numbersKey(m.manifest) })),
          images: await imagesIdentity(images, rows, selection),
          settings,
        },
        {
          ...(second ? { versus: modelRecord(second) } : {}),
          images: { source: images.source, selection },
          settings,
          route: matrix.route,
          ckaSeconds: matrix.ckaSeconds,
        },
        { shard: null, model: first, started },
      );
      await out.commit(record);
      const undefinedCells = matrix.values.flat().filter((v) => v === null).length;
      ctx.out(
        `${describeCka(spec)}: ${spec.rows.length} × ${spec.cols.length} values (${matrix.route === 'gram' ? 'through Gram matrices' : 'in feature space'}, ${matrix.ckaSeconds?.toFixed(2)} s)${undefinedCells ? `, ${undefinedCells} undefined (constant representations)` : ''}; written to ${out.target}`,
      );
      return 0;
    } finally {
      for (const m of opened) await m.unet.release().catch(() => {});
    }
  });
}
