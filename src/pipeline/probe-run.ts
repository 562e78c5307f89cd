/**
 * @file A probe from labelled images to a result, the same in the app and the CLI: check the
 * split (classes, content duplicates across its parts), extract every block at every t of the
 * spec (concatenated), check the features, then train in the runtime with the validation part
 * streamed and the test part evaluated once. Also "Try it" (a probe applied to one more image,
 * with the probe's own spec) and the probe's JSON.
 */
import { DiffProbeError, isDiffProbeError } from '../core/errors';
import { type HeadLayout, headMemoryError, specGroups } from '../core/heads/layout';
import { describeHead, HEADS, type NeuralHead } from '../core/heads/spec';
import { checkProbeData } from '../core/probe/checks';
import { confusionMatrix, predictProba } from '../core/probe/softmax-regression';
import { applyStandardizer } from '../core/probe/standardize';
import type { HeadResult, ProbeResult, ProbeStep } from '../worker/jobs';
import { imageHashes } from './cache-key';
import { duplicateProblems, findDuplicates } from './duplicates';
import { APP_VERSION, type FeatureSpec } from './feature-spec';
import { extractConcatenated } from './features';
import { buildProvenance, type Provenance, type ProvenanceOrigin } from './provenance';
import type { PipelineRuntime } from './runtime';
import { type LabelledSplit, splitIds } from './split';

export interface ProbeRunState {
  /** What the features are: model, blocks, t, seed, pooling and the data with its split. */
  spec: FeatureSpec;
  C: number;
  maxIter: number;
  /** The neural head trained instead of the linear probe; null for the linear probe. */
  head: NeuralHead | null;
  classes: string[];
  /** Labels of spec.data.ids.test, in that order (the order of the result's predictions). */
  testLabels: Int32Array;
  /**
   * The labels the probe was trained and tested with, per part in spec.data.ids order: what its
   * comparisons must use, whatever the user's images are labelled now.
   */
  labels: { train: Int32Array; validation: Int32Array; test: Int32Array };
  /** Where and from what exactly it was computed (null until the images are read, or without an origin). */
  provenance: Provenance | null;
  d: number;
  /** L-BFGS iterations, or a neural head's epochs. */
  curve: ProbeStep[];
  result: ProbeResult | HeadResult | null;
  problems: string[];
  status: 'extracting' | 'training' | 'done' | 'stopped' | 'failed';
}

export interface ProbeRequest {
  spec: FeatureSpec;
  /** The split spec.data describes, with its labels. */
  split: LabelledSplit;
  /** The linear probe's settings (also what a head is compared with). */
  C: number;
  maxIter: number;
  /** A neural head to train instead of the linear probe (absent or null: the linear probe). */
  head?: NeuralHead | null;
  /**
   * The blocks' map shapes [C, H, W] (the manifest's): the attention head reads each block's
   * pooled map as tokens, and its memory is checked before anything is extracted.
   */
  maps?: Record<string, readonly [number, number, number]>;
  /** The model's files and the engine, for the result's provenance record (absent: none is made). */
  origin?: ProvenanceOrigin;
}

/** A neural head's result (not the linear probe's). */
export function isHeadResult(r: ProbeResult | HeadResult | null | undefined): r is HeadResult {
  return r != null && 'head' in r;
}

/** The token groups of a spec's rows (blocks at each t), from the blocks' map shapes. */
export function specLayout(
  spec: Pick<FeatureSpec, 'blocks' | 'timesteps' | 'pooling'>,
  maps: Record<string, readonly [number, number, number]>,
  d: number,
  k: number,
): HeadLayout {
  const missing = spec.blocks.filter((b) => !maps[b]);
  if (missing.length) throw new DiffProbeError('internal', `no map shape for ${missing.join(', ')}`);
  return {
    d,
    k,
    groups: specGroups(
      spec.blocks.map((b) => maps[b]),
      spec.timesteps.length,
      spec.pooling,
    ),
  };
}

/** Model input x_0 of the images `ids`, in order, as a fresh array ([n, C, H, W]). */
export type ImageInput = (ids: readonly string[]) => Float32Array;

/** The labels of a split's images in splitIds order (train | validation | test). */
export function splitLabels(split: LabelledSplit): Int32Array {
  return Int32Array.from([...split.train.labels, ...split.validation.labels, ...split.test.labels]);
}

/** Problems a split has before any feature is computed (classes and sizes). */
export function splitProblems(split: LabelledSplit): string[] {
  const k = split.classes.length;
  if (k < 2)
    return [
      `only ${k} class${k === 1 ? '' : 'es'} (${split.classes.join(', ') || 'no labelled images'}): a probe needs at least 2`,
    ];
  if (!split.train.ids.length) return ['no training images'];
  if (!split.test.ids.length) return ['no test images: add at least 2 images to each class'];
  return [];
}

/** Content duplicates between the parts of a split (see duplicates.ts), as problems. */
export async function leakProblems(split: LabelledSplit, x0: Float32Array): Promise<string[]> {
  const ids = splitIds(split);
  const pixels = ids.length ? x0.length / ids.length : 0;
  const hashes = await imageHashes(x0, ids.length, pixels);
  return duplicateProblems(
    findDuplicates(ids, hashes, {
      train: split.train.ids.length,
      validation: split.validation.ids.length,
      test: split.test.ids.length,
    }),
  );
}

/**
 * Runs a probe. `onUpdate` gets every state (extracting, each training iteration, the end); the
 * last state is also returned: 'done', 'stopped' (a Stop during extraction, or during training:
 * then with the model as it was), or 'failed' with `problems` the user can act on. Other errors
 * (a job failing) are thrown after a 'failed' update.
 */
export async function runProbe(
  rt: PipelineRuntime,
  req: ProbeRequest,
  input: ImageInput,
  onUpdate: (state: ProbeRunState) => void = () => {},
): Promise<ProbeRunState> {
  const { spec, split } = req;
  let state: ProbeRunState = {
    spec,
    C: req.C,
    maxIter: req.maxIter,
    head: req.head ?? null,
    classes: split.classes,
    testLabels: split.test.labels,
    labels: { train: split.train.labels, validation: split.validation.labels, test: split.test.labels },
    provenance: null,
    d: 0,
    curve: [],
    result: null,
    problems: [],
    status: 'extracting',
  };
  const update = (patch: Partial<ProbeRunState>) => {
    state = { ...state, ...patch };
    onUpdate(state);
    return state;
  };
  update({});
  const before = splitProblems(split);
  if (before.length) return update({ problems: before, status: 'failed' });
  const head = req.head ?? null;
  if (head) {
    if (head.kind === 'attention' && !req.maps)
      throw new DiffProbeError('internal', "the attention head needs the blocks' map shapes");
    // Before any feature is extracted: a head that cannot fit says so now, with what would.
    const memory = req.maps
      ? headMemoryError(
          head,
          spec.blocks.map((b) => req.maps![b]),
          spec.timesteps.length,
          spec.pooling,
        )
      : null;
    if (memory) return update({ problems: [memory.message], status: 'failed' });
  }
  const ids = splitIds(split);
  const n = ids.length;
  const nTrain = split.train.ids.length;
  const nFit = nTrain + split.validation.ids.length;
  const k = split.classes.length;
  try {
    // The first t's input serves the content check too (one conversion of the images less).
    let first: Float32Array | null = input(ids);
    const leaks = await leakProblems(split, first);
    if (leaks.length) return update({ problems: leaks, status: 'failed' });
    if (req.origin)
      update({
        provenance: await buildProvenance(
          req.origin,
          { ids, x0: first, labels: splitLabels(split), classes: split.classes },
          { kind: 'probe', spec, C: req.C, maxIter: req.maxIter, head },
        ),
      });
    const feats = await extractConcatenated(
      rt,
      spec,
      n,
      () => {
        const x0 = first ?? input(ids);
        first = null;
        return x0;
      },
      'Probe',
    );
    const { X, d } = feats;
    // Explain data problems before training starts (NaN/Inf features, missing classes, too few images).
    const y = Int32Array.from([...split.train.labels, ...split.validation.labels, ...split.test.labels]);
    const problems = checkProbeData({
      X,
      y,
      n,
      d,
      k,
      trainRows: Int32Array.from({ length: nTrain }, (_, i) => i),
      testRows: Int32Array.from({ length: n - nFit }, (_, i) => nFit + i),
    });
    if (problems.length) return update({ d, problems: problems.map((p) => p.message), status: 'failed' });
    update({ d, status: 'training' });
    // Copies of ours, handed over to the runtime (transferred, not copied again).
    const train = { X: X.slice(0, nTrain * d), y: split.train.labels.slice() };
    const validation = { X: X.slice(nTrain * d, nFit * d), y: split.validation.labels.slice() };
    const test = { X: X.slice(nFit * d), y: split.test.labels.slice() };
    const curve: ProbeStep[] = [];
    const call = {
      transfer: [train.X.buffer, validation.X.buffer, test.X.buffer],
      onPartial: (step: ProbeStep) => {
        curve.push(step);
        update({ curve: [...curve] });
      },
    };
    const result = head
      ? await rt.run(
          'trainHead',
          {
            head,
            layout: req.maps ? specLayout(spec, req.maps, d, k) : { d, k, groups: [] },
            train,
            validation,
            test,
          },
          { ...call, label: `Training ${HEADS[head.kind].noun} (${d} features, ${nTrain} images)` },
        )
      : await rt.run(
          'trainProbe',
          { train, validation, test, d, k, C: req.C, maxIter: req.maxIter },
          { ...call, label: `Training the probe (${d} features, ${nTrain} images)` },
        );
    return update({ curve, result, status: result.stopReason === 'stopped' ? 'stopped' : 'done' });
  } catch (error) {
    if (isDiffProbeError(error, 'cancelled')) return update({ status: 'stopped' });
    update({ status: 'failed' });
    throw error;
  }
}

/**
 * "Try it": the probe's class probabilities for one more image, its features computed with the
 * probe's own spec (model, blocks, t, seed, pooling), whatever the view shows now.
 */
export async function tryProbe(
  rt: PipelineRuntime,
  probe: Pick<ProbeRunState, 'spec' | 'classes' | 'result' | 'd'>,
  x0: Float32Array,
): Promise<Float64Array> {
  const r = probe.result;
  if (!r) throw new DiffProbeError('internal', 'this probe has no trained model yet');
  const { X, d } = await extractConcatenated(rt, probe.spec, 1, () => x0, 'Try it');
  if (d !== probe.d)
    throw new DiffProbeError('internal', `the image gave ${d} features; the probe was trained on ${probe.d}`);
  if (isHeadResult(r)) {
    const { head, layout, weights, scaling } = r;
    return (
      await rt.run(
        'applyHead',
        { head, layout, weights, scaling, X, n: 1 },
        { label: 'Classifying the selected image' },
      )
    ).proba;
  }
  const out = await rt.run(
    'applyProbe',
    { probe: { W: r.W, b: r.b, mean: r.mean, scale: r.scale }, X, n: 1, d, k: probe.classes.length },
    { label: 'Classifying the selected image' },
  );
  return out.proba;
}

/** Test metrics of a trained probe on raw feature rows (as the worker computes them at the end of training). */
export function evaluateProbe(
  probe: Pick<ProbeResult, 'W' | 'b' | 'mean' | 'scale'>,
  X: Float32Array,
  y: Int32Array,
  d: number,
  k: number,
): { accuracy: number; predictions: Int32Array; confusion: Int32Array } {
  const n = y.length;
  const Z = applyStandardizer(X, n, d, { d, mean: probe.mean, scale: probe.scale });
  const proba = predictProba({ d, k, W: probe.W, b: probe.b }, Z, n);
  const predictions = new Int32Array(n);
  let correct = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (proba[i * k + c] > proba[i * k + best]) best = c;
    predictions[i] = best;
    if (best === y[i]) correct++;
  }
  return { accuracy: n ? correct / n : 0, predictions, confusion: confusionMatrix(y, predictions, k) };
}

/** The trained probe as JSON: its spec, settings, weights on standardised features plus the standardisation. */
export function probeToJson(run: ProbeRunState): string {
  const r = run.result;
  if (!r) throw new DiffProbeError('internal', 'this probe has no trained model yet');
  if (isHeadResult(r)) return headToJson(run, r);
  return `${JSON.stringify(
    {
      format: 'diffprobe-probe',
      version: 2,
      appVersion: APP_VERSION,
      spec: run.spec,
      provenance: run.provenance,
      C: run.C,
      maxIter: run.maxIter,
      splitSeed: run.spec.data.splitSeed,
      classes: run.classes,
      d: run.d,
      k: run.classes.length,
      note: 'logits = W · ((x − mean) / scale) + b, with x the pooled features of spec.blocks at each of spec.timesteps, concatenated as [t0: block0 | block1 …, t1: …]; W is k×d row-major',
      W: Array.from(r.W),
      b: Array.from(r.b),
      mean: Array.from(r.mean),
      scale: Array.from(r.scale),
      iterations: r.iterations,
      stopReason: r.stopReason,
      trainAccuracy: r.trainAccuracy,
      validationAccuracy: r.validationAccuracy,
      testAccuracy: r.testAccuracy,
      testAccuracyNote:
        'on the held-out test images (spec.data.ids.test), computed once after training; the curves and Stop saw only the validation images',
    },
    null,
    1,
  )}\n`;
}

const weightsJson = (w: HeadResult['weights']) =>
  Object.fromEntries(
    Object.entries(w).map(([name, t]) => [name, { shape: t.shape, data: Array.from(t.data) }]),
  );

/** A trained neural head as JSON: its spec, settings, layout and weights (tools/heads/torch_heads.py loads them). */
function headToJson(run: ProbeRunState, r: HeadResult): string {
  return `${JSON.stringify(
    {
      format: 'diffprobe-head',
      version: 1,
      appVersion: APP_VERSION,
      spec: run.spec,
      provenance: run.provenance,
      head: r.head,
      description: describeHead(r.head),
      layout: r.layout,
      splitSeed: run.spec.data.splitSeed,
      classes: run.classes,
      note:
        r.kind === 'mlp'
          ? 'logits = fc2(act(fc1((x − scaling.mean) / scaling.scale))); every Linear weight is [in, out] (x·W + b)'
          : 'rows are the groups of layout.groups (blocks at each t) as [C, h, w] channel-major; each group becomes h·w tokens of C values; see core/heads/model.ts and tools/heads/torch_heads.py. Every Linear weight is [in, out] (x·W + b)',
      scaling: r.scaling ? { mean: Array.from(r.scaling.mean), scale: Array.from(r.scaling.scale) } : null,
      weights: weightsJson(r.weights),
      epochs: r.iterations,
      bestEpoch: r.bestEpoch,
      stopReason: r.stopReason,
      trainAccuracy: r.trainAccuracy,
      validationAccuracy: r.validationAccuracy,
      testAccuracy: r.testAccuracy,
      testAccuracyNote:
        'on the held-out test images (spec.data.ids.test), computed once with the chosen epoch; the curves, Stop and the choice of epoch saw only the validation images',
    },
    null,
    1,
  )}\n`;
}
