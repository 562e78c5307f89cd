/**
 * @file Training a neural head (core/heads/model.ts) with tfjs's automatic differentiation:
 * mini-batches in a seeded order, AdamW (torch.optim.AdamW's update: the decoupled decay
 * p ← p·(1 − lr·wd), then Adam's step m̂/(√v̂ + ε)), dropout masks from core/rng, one validation
 * pass per epoch. The epoch with the best validation accuracy (ties: the lower validation loss,
 * then the earlier) is the head returned; training stops when `patience` epochs have not beaten
 * it. The test rows are evaluated once, at the end, with the chosen weights.
 *
 * The same settings give the same numbers: the initial weights, the order and the masks are
 * seeded, and tfjs-backend-wasm computes in a fixed order on one thread.
 */
import { DiffProbeError } from '../errors';
import { accuracy, confusionMatrix } from '../probe/softmax-regression';
import { fitStandardizer } from '../probe/standardize';
import { createRng, fnv1a32 } from '../rng';
import { sampleIndices } from '../sample';
import { batchInputs, type RowScaling } from './batch';
import { flatParams, paramViews, readParams, writeParams } from './flat-params';
import type { HeadLayout } from './layout';
import { crossEntropy, type Dropout, headForward, type Params, type TF } from './model';
import type { NeuralHead } from './spec';
import { type HeadWeights, initialWeights } from './weights';

export interface HeadRows {
  /** Row-major [n, layout.d] raw features. */
  X: Float32Array;
  y: Int32Array;
}

/** One epoch's numbers, for the live curves (the probe's ProbeStep, `iter` being the epoch). */
export interface HeadEpoch {
  iter: number;
  /** Mean training loss over the epoch's batches (with dropout). */
  loss: number;
  /** Accuracy over the epoch's batches as they were trained (with dropout). */
  trainAccuracy: number;
  validationAccuracy: number | null;
  validationLoss: number | null;
}

export interface HeadHooks {
  onEpoch?: (epoch: HeadEpoch) => void;
  /** After every batch: batches done of the most there can be, and a note. */
  onBatch?: (done: number, total: number, note: string) => void;
  /** Asked between batches; true ends training with the best epoch so far. */
  shouldStop?: () => Promise<boolean>;
}

export interface HeadFit {
  /** The chosen epoch's weights. */
  weights: HeadWeights;
  initial: HeadWeights;
  /** MLP: the standardisation of its input rows (fitted on the training rows); null otherwise. */
  scaling: RowScaling | null;
  curve: HeadEpoch[];
  epochs: number;
  /** The chosen epoch (1-based; 0 when stopped before the first epoch ended). */
  bestEpoch: number;
  stopReason: 'early-stop' | 'max-epochs' | 'stopped';
  /** Of the chosen weights on the training rows, without dropout. */
  trainAccuracy: number;
  validationAccuracy: number | null;
  test: { accuracy: number; predictions: Int32Array; confidence: Float32Array; confusion: Int32Array } | null;
  timings: { setupMs: number; trainMs: number; validationMs: number; finishMs: number };
}

/** A seed for one use of the head's seed (`parts`: what it is for, the epoch…). */
function subSeed(seed: number, ...parts: number[]): number {
  return fnv1a32(new Uint8Array(Uint32Array.from([seed >>> 0, ...parts.map((p) => p >>> 0)]).buffer));
}

/** Numbers the flat variables (tfjs wants every variable's name unique). */
let trainings = 0;

/** Rows evaluated per forward pass when nothing is trained. */
const EVAL_BATCH = 256;

/** Class probabilities [n, k] (float64) of a head with parameters `params` on raw rows X, without dropout. */
function predictWith(
  tf: TF,
  head: NeuralHead,
  layout: HeadLayout,
  params: Params,
  scaling: RowScaling | null,
  X: Float32Array,
  n: number,
): Float64Array {
  const { k } = layout;
  const proba = new Float64Array(n * k);
  for (let start = 0; start < n; start += EVAL_BATCH) {
    const rows = Array.from({ length: Math.min(EVAL_BATCH, n - start) }, (_, i) => start + i);
    tf.tidy(() => {
      const inputs = batchInputs(head, layout, X, rows, scaling).map((b) => tf.tensor(b.data, b.shape));
      proba.set(tf.softmax(headForward(tf, head, layout, params, inputs)).dataSync(), start * k);
    });
  }
  return proba;
}

/**
 * Class probabilities [n, k] (float64) of a trained head (its `weights` and, for an MLP, its
 * input `scaling`) on raw rows X ([n, layout.d]).
 */
export function predictHead(
  tf: TF,
  head: NeuralHead,
  layout: HeadLayout,
  weights: HeadWeights,
  scaling: RowScaling | null,
  X: Float32Array,
  n: number,
): Float64Array {
  const params: Params = Object.fromEntries(
    Object.entries(weights).map(([name, w]) => [name, tf.tensor(w.data, w.shape)]),
  );
  try {
    return predictWith(tf, head, layout, params, scaling, X, n);
  } finally {
    for (const t of Object.values(params)) t.dispose();
  }
}

/** argmax per row, its probability, the mean cross-entropy against y. */
function scoreRows(proba: Float64Array, y: Int32Array, k: number) {
  const n = y.length;
  const predictions = new Int32Array(n);
  const confidence = new Float32Array(n);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (proba[i * k + c] > proba[i * k + best]) best = c;
    predictions[i] = best;
    confidence[i] = proba[i * k + best];
    loss -= Math.log(Math.max(proba[i * k + y[i]], 1e-30));
  }
  return { predictions, confidence, loss: n ? loss / n : 0, accuracy: n ? accuracy(y, predictions) : 0 };
}

/**
 * Trains `head` on `train`, choosing by `validation` (may be empty), testing once on `test` (may
 * be empty). `initial` overrides the seeded initial weights (the parity check with PyTorch starts
 * both from one set).
 */
export async function fitHead(
  tf: TF,
  head: NeuralHead,
  layout: HeadLayout,
  data: { train: HeadRows; validation: HeadRows; test: HeadRows },
  hooks: HeadHooks = {},
  initial?: HeadWeights,
): Promise<HeadFit> {
  const started = performance.now();
  const { d, k } = layout;
  const { train, validation, test } = data;
  const nTrain = train.y.length;
  const nVal = validation.y.length;
  if (nTrain === 0) throw new DiffProbeError('probe-data', 'no training rows');
  const t = head.training;
  const scaling: RowScaling | null = head.kind === 'mlp' ? fitStandardizer(train.X, nTrain, d) : null;
  const init = initial ?? initialWeights(head, layout);
  const flat = flatParams(tf, init, `head/${++trainings}`);
  const optimizer = tf.train.adam(t.lr, 0.9, 0.999, 1e-8);
  const dropRng = createRng(t.seed, 0xd209);
  const drop: Dropout = (x, rate) => {
    if (rate <= 0) return x;
    const mask = new Float32Array(x.size);
    const keep = 1 / (1 - rate);
    for (let i = 0; i < mask.length; i++) mask[i] = dropRng.nextFloat() < rate ? 0 : keep;
    return tf.mul(x, tf.tensor(mask, x.shape));
  };
  const batches = Math.ceil(nTrain / t.batchSize);
  const totalBatches = batches * t.maxEpochs;
  const curve: HeadEpoch[] = [];
  let best: { epoch: number; accuracy: number; loss: number; weights: HeadWeights } | null = null;
  let stopReason: HeadFit['stopReason'] = 'max-epochs';
  const timings = { setupMs: performance.now() - started, trainMs: 0, validationMs: 0, finishMs: 0 };
  const evaluate = (rows: HeadRows, n: number) => {
    const params = paramViews(tf, flat);
    try {
      return scoreRows(predictWith(tf, head, layout, params, scaling, rows.X, n), rows.y, k);
    } finally {
      for (const p of Object.values(params)) p.dispose();
    }
  };
  try {
    epochs: for (let epoch = 1; epoch <= t.maxEpochs; epoch++) {
      const epochStart = performance.now();
      const order = sampleIndices(nTrain, nTrain, subSeed(t.seed, 0x0de5, epoch));
      let lossSum = 0;
      let correct = 0;
      for (let b = 0; b < batches; b++) {
        if (await hooks.shouldStop?.()) {
          stopReason = 'stopped';
          timings.trainMs += performance.now() - epochStart;
          break epochs;
        }
        const rows = order.slice(b * t.batchSize, (b + 1) * t.batchSize);
        const labels = Int32Array.from(rows, (r) => train.y[r]);
        // Read out inside the scope; tidy() returns nothing (it would walk a returned array).
        const step = { loss: 0, logits: [] as ArrayLike<number> };
        tf.tidy(() => {
          const inputs = batchInputs(head, layout, train.X, rows, scaling).map((x) =>
            tf.tensor(x.data, x.shape),
          );
          const { value, grads } = tf.variableGrads(() => {
            const out = headForward(tf, head, layout, paramViews(tf, flat), inputs, drop);
            step.logits = out.dataSync();
            return crossEntropy(tf, out, labels, k);
          }, [flat.variable]);
          // AdamW: the decay uses the weights before this step, as torch.optim.AdamW does.
          if (t.weightDecay > 0) flat.variable.assign(tf.mul(flat.variable, 1 - t.lr * t.weightDecay));
          optimizer.applyGradients(grads as never);
          step.loss = value.dataSync()[0];
        });
        lossSum += step.loss * rows.length;
        for (let i = 0; i < rows.length; i++) {
          let arg = 0;
          for (let c = 1; c < k; c++) if (step.logits[i * k + c] > step.logits[i * k + arg]) arg = c;
          if (arg === labels[i]) correct++;
        }
        hooks.onBatch?.(
          (epoch - 1) * batches + b + 1,
          totalBatches,
          `epoch ${epoch}, batch ${b + 1}/${batches}`,
        );
      }
      timings.trainMs += performance.now() - epochStart;
      const valStart = performance.now();
      const val = nVal ? evaluate(validation, nVal) : null;
      timings.validationMs += performance.now() - valStart;
      const step: HeadEpoch = {
        iter: epoch,
        loss: lossSum / nTrain,
        trainAccuracy: correct / nTrain,
        validationAccuracy: val ? val.accuracy : null,
        validationLoss: val ? val.loss : null,
      };
      curve.push(step);
      hooks.onEpoch?.(step);
      const better =
        !best ||
        (val !== null &&
          (val.accuracy > best.accuracy || (val.accuracy === best.accuracy && val.loss < best.loss))) ||
        val === null;
      if (better)
        best = { epoch, accuracy: val?.accuracy ?? 0, loss: val?.loss ?? 0, weights: readParams(flat) };
      if (val !== null && t.patience > 0 && best && epoch - best.epoch >= t.patience) {
        stopReason = 'early-stop';
        break;
      }
    }
    const finishStart = performance.now();
    const weights = best?.weights ?? readParams(flat);
    writeParams(tf, flat, weights);
    const trainScore = evaluate(train, nTrain);
    const val = nVal ? evaluate(validation, nVal) : null;
    const nTest = test.y.length;
    // The only look at the test rows.
    const tested = nTest ? evaluate(test, nTest) : null;
    timings.finishMs = performance.now() - finishStart;
    return {
      weights,
      initial: init,
      scaling,
      curve,
      epochs: curve.length,
      bestEpoch: best?.epoch ?? 0,
      stopReason,
      trainAccuracy: trainScore.accuracy,
      validationAccuracy: val ? val.accuracy : null,
      test: tested
        ? {
            accuracy: tested.accuracy,
            predictions: tested.predictions,
            confidence: tested.confidence,
            confusion: confusionMatrix(test.y, tested.predictions, k),
          }
        : null,
      timings,
    };
  } finally {
    optimizer.dispose();
    flat.variable.dispose();
  }
}
