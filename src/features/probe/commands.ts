/**
 * @file The probe commands: pick a seeded train/test split of the bundled data, extract features
 * (through the cache) for the chosen blocks and timesteps, concatenate them, check the data, and
 * train the probe in the worker with live curves.
 */
import { runJob } from '../../app/commands';
import { checkProbeData } from '../../core/probe/checks';
import { sampleIndices } from '../../core/sample';
import { modelInputFor } from '../../data/model-input';
import { bundledDataFor, getState, inputReady } from '../../state/store';
import type { ProbeResult, ProbeStep } from '../../worker/jobs';
import { POOLINGS } from '../extraction/commands';
import { addChunk, createFeatureSet } from '../extraction/feature-set';
import { type LabelledSplit, splitLabelled } from './labelled-set';

export interface ProbeSettings {
  /** The bundled data set's own splits, or the user's labelled images. */
  source: 'bundled' | 'uploads';
  /** uploads: share of each class held out for testing. */
  testFraction: number;
  nTrain: number;
  nTest: number;
  splitSeed: number;
  timesteps: number[];
  C: number;
  maxIter: number;
}

export interface ProbeRun {
  settings: ProbeSettings;
  blocks: string[];
  pooling: string;
  classes: string[];
  /** Image ids of the test images, in the order of the result's predictions. */
  testIds: string[];
  testLabels: Int32Array;
  d: number;
  curve: ProbeStep[];
  result: ProbeResult | null;
  problems: string[];
  status: 'extracting' | 'training' | 'done' | 'stopped' | 'failed';
}

/** Parses "25, 100" into sorted unique valid timesteps. */
export function parseTimesteps(text: string, maxT: number): number[] | null {
  const parts = text.split(/[\s,]+/).filter(Boolean);
  const ts = parts.map(Number);
  if (!ts.length || ts.some((t) => !Number.isInteger(t) || t < 0 || t > maxT)) return null;
  return [...new Set(ts)].sort((a, b) => a - b);
}

/**
 * Features of `ids` for `blocks` at each t in `timesteps`, concatenated per row as
 * [t0: block0 | block1 …, t1: …]. Returns null when stopped or failed.
 */
export async function extractConcatenated(
  ids: string[],
  blocks: string[],
  timesteps: number[],
  label: string,
): Promise<{ X: Float32Array; d: number } | null> {
  const { model, view, uploads } = getState();
  const dataset = bundledDataFor(getState());
  if (!model) return null;
  const parts: { data: Float32Array; dim: number }[] = [];
  for (const t of timesteps) {
    let set = createFeatureSet(
      { imageIds: ids, t, seed: view.seed, pooling: view.pooling, blocks },
      new Int32Array(ids.length),
    );
    const data = modelInputFor(ids, model.manifest, dataset, uploads);
    const done = await runJob(
      'extract',
      `${label}: features at t = ${t}`,
      'extractFeatures',
      {
        images: { data, count: ids.length },
        t,
        seed: view.seed,
        blocks,
        pooling: POOLINGS[view.pooling].pooling,
        batchSize: 32,
        model: model.id,
      },
      { transfer: [data.buffer], onPartial: (c) => (set = addChunk(set, c)) },
    );
    if (!done) return null;
    for (const b of blocks) parts.push({ data: set.features[b], dim: set.dims[b] });
  }
  const d = parts.reduce((s, p) => s + p.dim, 0);
  const X = new Float32Array(ids.length * d);
  for (let i = 0; i < ids.length; i++) {
    let o = i * d;
    for (const p of parts) {
      X.set(p.data.subarray(i * p.dim, (i + 1) * p.dim), o);
      o += p.dim;
    }
  }
  return { X, d };
}

/** The labelled images a probe uses, from the chosen source. */
export function labelledSplit(settings: ProbeSettings): LabelledSplit | null {
  const { uploads } = getState();
  // The bundled data only when this model uses it (its own, or chosen in the Images panel).
  const dataset = bundledDataFor(getState());
  if (settings.source === 'uploads') {
    // Only images converted for this model (one that is converting or failed cannot be fed).
    const items = uploads.flatMap((u) =>
      u.className && u.status === 'ready' ? [{ id: u.id, label: u.className }] : [],
    );
    return splitLabelled(items, settings.testFraction, settings.splitSeed);
  }
  if (!dataset) return null;
  const trainRows = sampleIndices(dataset.splits.train.count, settings.nTrain, settings.splitSeed);
  const testRows = sampleIndices(dataset.splits.test.count, settings.nTest, settings.splitSeed + 1);
  return {
    classes: [...dataset.index.classes],
    trainIds: trainRows.map((r) => `train:${r}`),
    testIds: testRows.map((r) => `test:${r}`),
    trainLabels: Int32Array.from(trainRows, (r) => dataset.splits.train.labels[r]),
    testLabels: Int32Array.from(testRows, (r) => dataset.splits.test.labels[r]),
  };
}

export async function trainProbe(settings: ProbeSettings): Promise<void> {
  const { model, view, setProbe } = getState();
  const split = labelledSplit(settings);
  if (!model || !split) {
    const { dataset } = getState();
    getState().notify(
      'error',
      'The probe has no data yet',
      dataset
        ? `This model does not use the bundled ${dataset.index.name} unless you choose it in the Images panel; or train on your labelled images.`
        : 'The bundled images are still loading; try again in a moment.',
    );
    return;
  }
  const k = split.classes.length;
  const { trainIds, testIds } = split;
  const blocks = [...view.blocks];
  const run: ProbeRun = {
    settings,
    blocks,
    pooling: view.pooling,
    classes: split.classes,
    testIds,
    testLabels: split.testLabels,
    d: 0,
    curve: [],
    result: null,
    problems: [],
    status: 'extracting',
  };
  setProbe({ ...run });
  if (k < 2 || !trainIds.length || !testIds.length) {
    const why =
      k < 2
        ? `only ${k} class${k === 1 ? '' : 'es'} (${split.classes.join(', ') || 'no labelled images'}): a probe needs at least 2`
        : 'no test images: add at least 2 images to each class';
    return setProbe({ ...run, problems: [why], status: 'failed' });
  }
  const feats = await extractConcatenated([...trainIds, ...testIds], blocks, settings.timesteps, 'Probe');
  if (!feats) return setProbe({ ...run, status: 'stopped' });
  const nTrain = trainIds.length;
  const trainX = feats.X.subarray(0, nTrain * feats.d);
  const testX = feats.X.subarray(nTrain * feats.d);
  const y = split.trainLabels;
  // Explain data problems before training starts (NaN/Inf features, missing classes, too few images).
  const all = Int32Array.from([...y, ...run.testLabels]);
  const problems = checkProbeData({
    X: feats.X,
    y: all,
    n: all.length,
    d: feats.d,
    k,
    trainRows: Int32Array.from({ length: nTrain }, (_, i) => i),
    testRows: Int32Array.from({ length: testIds.length }, (_, i) => nTrain + i),
  });
  if (problems.length)
    return setProbe({ ...run, d: feats.d, problems: problems.map((p) => p.message), status: 'failed' });
  setProbe({ ...run, d: feats.d, status: 'training' });
  const curve: ProbeStep[] = [];
  // Copies of ours, handed over to the worker (transferred, not copied again).
  const train = { X: trainX.slice(), y };
  const test = { X: testX.slice(), y: run.testLabels.slice() };
  const result = await runJob(
    'probe',
    `Training the probe (${feats.d} features, ${nTrain} images)`,
    'trainProbe',
    { train, test, d: feats.d, k, C: settings.C, maxIter: settings.maxIter },
    {
      transfer: [train.X.buffer, test.X.buffer],
      onPartial: (step) => {
        curve.push(step);
        getState().setProbe({ ...run, d: feats.d, curve: [...curve], status: 'training' });
      },
    },
  );
  getState().setProbe({
    ...run,
    d: feats.d,
    curve,
    result,
    status: result ? (result.stopReason === 'stopped' ? 'stopped' : 'done') : 'failed',
  });
}

/** Stop: ends extraction or training; a probe stopped while training keeps its current model. */
export function stopProbe(): void {
  const { jobs } = getState();
  jobs.probe?.cancel();
  jobs.extract?.cancel();
}

/** The trained probe as JSON: weights on standardised features plus the standardisation. */
export function probeToJson(run: ProbeRun, classes: readonly string[]): string {
  const r = run.result!;
  return `${JSON.stringify(
    {
      format: 'diffprobe-probe',
      version: 1,
      blocks: run.blocks,
      timesteps: run.settings.timesteps,
      pooling: run.pooling,
      classes,
      d: run.d,
      k: classes.length,
      C: run.settings.C,
      note: 'logits = W · ((x − mean) / scale) + b, with x the concatenated pooled features; W is k×d row-major',
      W: Array.from(r.W),
      b: Array.from(r.b),
      mean: Array.from(r.mean),
      scale: Array.from(r.scale),
      trainAccuracy: r.trainAccuracy,
      testAccuracy: r.testAccuracy,
      nTrain: run.settings.nTrain,
      nTest: run.settings.nTest,
      splitSeed: run.settings.splitSeed,
    },
    null,
    1,
  )}\n`;
}

/** "Try it": the trained probe's class probabilities for the selected image. */
export async function classifySelected(): Promise<void> {
  const { probe, view, setProbeTry } = getState();
  const id = view.images[0];
  if (!probe?.result || !id || !inputReady(id, getState())) return;
  const feats = await extractConcatenated([id], probe.blocks, probe.settings.timesteps, 'Try it');
  if (!feats || feats.X.length === 0) return;
  const r = probe.result;
  const out = await runJob('probe-try', 'Classifying the selected image', 'applyProbe', {
    probe: { W: r.W, b: r.b, mean: r.mean, scale: r.scale },
    X: feats.X,
    n: 1,
    d: feats.d,
    k: probe.classes.length,
  });
  if (out) setProbeTry({ id, proba: Array.from(out.proba) });
}
