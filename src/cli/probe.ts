/**
 * @file `probe`: the app's linear probe, headless — the same split (pipeline/split.ts), the same
 * orchestration (pipeline/probe-run.ts: content-duplicate check, features of every block at every
 * t concatenated, data checks) and the same solver (the worker's trainProbe handler), so the same
 * settings give the same numbers as the Probe panel.
 *
 * Writes probe.json (the app's export: weights, standardisation, spec), result.json (accuracies,
 * confusion matrix, iterations, solver, timings), curve.csv (one row per L-BFGS iteration),
 * predictions.csv (each test image: id, label, prediction, confidence) and run.json.
 */
import { labelLeakText } from '../core/conditioning/extra-feeds';
import { DiffProbeError } from '../core/errors';
import { describeHead, HEADS } from '../core/heads/spec';
import { summarisePolarity } from '../core/image/polarity';
import { numbersKey } from '../core/manifest/numbers-key';
import { nodeRuntimeVersion } from '../engine/onnx-node';
import { isHeadResult, probeToJson, runProbe } from '../pipeline/probe-run';
import { nodeOrigin } from '../pipeline/provenance';
import { defaultBlockFor } from '../state/model-change';
import { type CommandSpec, int, num, type ParsedArgs, required, timesteps, UsageError } from './args';
import {
  blocksOf,
  CACHE_OPTIONS,
  cacheDirOf,
  MODEL_OPTIONS,
  maxT,
  OUT_OPTION,
  OUTPUT_OPTIONS,
  openModelFile,
  POOLING_BY_NAME,
  PROBE_POOLING_OPTION,
  poolingsOf,
  SEED_OPTION,
  solverOptions,
  startSession,
} from './common';
import { type CliContext, runRecord } from './context';
import { blockMaps, HEAD_OPTIONS, headOf, headPoolingName, withHead } from './heads';
import { featureSpec, LABELLED_OPTIONS, labelledData, withImageFiles } from './labelled';
import { Output, withOutput } from './output';
import { createProgress } from './progress';
import { createNodeRuntime } from './runtime';

export const PROBE_SPEC: CommandSpec = {
  name: 'probe',
  summary: 'train the app’s linear probe on block features (same split, solver and numbers as the browser)',
  options: [
    OUT_OPTION,
    {
      name: 'blocks',
      value: 'a,b',
      help: 'blocks, concatenated',
      default: 'the mid-decoder block the app opens with',
    },
    { name: 't', value: 'T1,T2,…', help: 'timesteps, concatenated', default: '100' },
    PROBE_POOLING_OPTION,
    SEED_OPTION,
    ...solverOptions(200),
    ...HEAD_OPTIONS,
    ...LABELLED_OPTIONS,
    ...MODEL_OPTIONS,
    ...CACHE_OPTIONS,
    ...OUTPUT_OPTIONS,
  ],
  details: `The images are those the browser's Probe panel picks for the same Training images, Test images
and Split seed. The test images are evaluated once, after training; the curve is on the validation part.

examples:
  diffprobe probe --manifest public/models/fashion-mnist-ddpm/manifest.json --blocks up1_0 --t 25 --out probe/
  diffprobe probe --manifest m.json --train /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz \\
        --test /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz --n-train 60000 --n-test 10000 \\
        --blocks up1_0 --t 25 --out probe-full/`,
};

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

export async function runProbeCommand(ctx: CliContext, args: ParsedArgs): Promise<number> {
  const started = Date.now();
  const { flags } = args;
  const outArg = required(flags, 'out', 'probe');
  const file = await openModelFile(flags, 'probe');
  const leak = labelLeakText(file.manifest.extraInputs, 'with --condition <input>=<class>');
  if (leak) ctx.err.write(`diffprobe probe: warning: ${leak}\n`);
  const blocks = flags.blocks === undefined ? [defaultBlockFor(file.manifest)] : blocksOf(flags, file);
  const ts = timesteps(flags, 't', [100], maxT(file));
  if (String(flags.pooling ?? 'avg').includes(',')) throw new UsageError('a probe takes one --pooling');
  const head = headOf(flags);
  const [poolName] = poolingsOf({ ...flags, pooling: headPoolingName(flags, head) });
  const seed = int(flags, 'seed', 0, 0, 0xffffffff);
  const C = num(flags, 'C', 1, 1e-6, 1e6);
  const maxIter = int(flags, 'max-iter', 200, 1, 100_000);
  const cacheDir = cacheDirOf(flags, ctx.env);
  const output = await Output.create(outArg, { force: flags.force === true });
  return withOutput(output, async (out) => {
    const data = await labelledData(flags, file);
    for (const note of data.notes) ctx.err.write(`note: ${note}\n`);
    if (data.polarity) ctx.out(summarisePolarity(data.polarity.map((d) => d.polarity)));
    const model = await startSession(flags, file);
    try {
      const spec = featureSpec(model, data, {
        blocks,
        timesteps: ts,
        seed,
        pooling: POOLING_BY_NAME[poolName],
      });
      const quiet = flags.quiet === true;
      const rt = createNodeRuntime({
        model,
        cacheDir,
        progress: (label, total, unit) => createProgress(ctx.err, label, total, unit, { quiet }),
      });
      const state = await runProbe(
        rt,
        {
          spec,
          split: data.split,
          C,
          maxIter,
          head,
          maps: blockMaps(model.manifest),
          origin: nodeOrigin(model, nodeRuntimeVersion()),
        },
        data.input,
      );
      if (state.status === 'failed' || !state.result)
        throw new DiffProbeError('probe-data', state.problems.join('; ') || 'the probe could not be trained');
      const r = state.result;
      await out.write(
        'probe.json',
        probeToJson({ ...state, provenance: await withImageFiles(state.provenance, data) }),
      );
      await out.write(
        'result.json',
        `${JSON.stringify(
          {
            trainAccuracy: r.trainAccuracy,
            validationAccuracy: r.validationAccuracy,
            testAccuracy: r.testAccuracy,
            classes: state.classes,
            confusion: Array.from({ length: state.classes.length }, (_, i) =>
              Array.from(r.confusion.subarray(i * state.classes.length, (i + 1) * state.classes.length)),
            ),
            d: state.d,
            sizes: spec.data.sizes,
            iterations: r.iterations,
            stopReason: r.stopReason,
            // The CLI's runtime gives large probes onnxruntime-node's GEMM (the handler names only the web one).
            solver:
              r.solver === 'javascript'
                ? 'javascript'
                : r.solver === 'tfjs-wasm'
                  ? 'tfjs-wasm'
                  : 'onnxruntime-node',
            ...(isHeadResult(r)
              ? {
                  head: r.head,
                  headDescription: describeHead(r.head),
                  bestEpoch: r.bestEpoch,
                  parameters: r.parameters,
                }
              : {}),
            timings: r.timings,
            ms: r.ms,
          },
          null,
          2,
        )}\n`,
      );
      await out.write(
        'curve.csv',
        `${head ? 'epoch' : 'iter'},loss,train_accuracy,validation_accuracy\n${state.curve
          .map((s) => `${s.iter},${s.loss},${s.trainAccuracy},${s.validationAccuracy ?? ''}`)
          .join('\n')}\n`,
      );
      const testIds = spec.data.ids.test;
      await out.write(
        'predictions.csv',
        `id,label,predicted,confidence\n${testIds
          .map(
            (id, i) =>
              `${csvField(id)},${csvField(state.classes[state.testLabels[i]])},${csvField(state.classes[r.testPredictions[i]])},${r.testConfidence[i]}`,
          )
          .join('\n')}\n`,
      );
      const settings = withHead({ blocks, timesteps: ts, pooling: poolName, seed, C, maxIter }, head);
      const record = await runRecord(
        ctx,
        'probe',
        {
          model: { sha256: model.hash, numbersKey: numbersKey(model.manifest) },
          images: data.identity,
          settings,
        },
        {
          images: data.record,
          settings: { ...settings, cache: rt.stats },
          result: {
            testAccuracy: r.testAccuracy,
            validationAccuracy: r.validationAccuracy,
            trainAccuracy: r.trainAccuracy,
          },
        },
        { shard: null, model, started },
      );
      await out.commit(record);
      const pct = (v: number | null) => (v === null ? '–' : `${(100 * v).toFixed(2)}%`);
      const what = head
        ? `${HEADS[head.kind].noun.replace(/^the /, '')} (${r.iterations} epochs, epoch ${isHeadResult(r) ? r.bestEpoch : 0} chosen)`
        : 'probe';
      ctx.out(
        `${what} on ${blocks.join('+')} at t = ${ts.join(',')} (${state.d} features, ${spec.data.sizes.train} train / ${spec.data.sizes.validation} validation / ${spec.data.sizes.test} test): test accuracy ${pct(r.testAccuracy)}, validation ${pct(r.validationAccuracy)}, train ${pct(r.trainAccuracy)} — ${head ? `${r.stopReason}` : `${r.iterations} iterations (${r.stopReason})`}; written to ${out.target}`,
      );
      return 0;
    } finally {
      await model.unet.release();
    }
  });
}
