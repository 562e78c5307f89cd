/**
 * @file trainProbe / applyProbe: the linear probe in the worker. Standardisation is fitted on the
 * training rows only; each L-BFGS iteration is streamed (loss, train and test accuracy) so the UI
 * can draw live curves, and Stop keeps the model as it is at that iteration.
 */
import { DiffProbeError } from '../../core/errors';
import { checkProbeData } from '../../core/probe/checks';
import {
  accuracy,
  confusionMatrix,
  predict,
  predictProba,
  SoftmaxTrainer,
} from '../../core/probe/softmax-regression';
import { applyStandardizer, fitStandardizer } from '../../core/probe/standardize';
import type { JobContext } from '../context';
import type { Jobs, ProbeParams, ProbeResult, ProbeStep } from '../jobs';

function concatRows(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

export async function trainProbe(params: ProbeParams, ctx: JobContext): Promise<ProbeResult> {
  const started = performance.now();
  const { d, k, train, test } = params;
  const nTrain = train.y.length;
  const nTest = test.y.length;
  const X = concatRows(train.X, test.X);
  const y = Int32Array.from([...train.y, ...test.y]);
  const trainRows = Int32Array.from({ length: nTrain }, (_, i) => i);
  const testRows = Int32Array.from({ length: nTest }, (_, i) => nTrain + i);
  const problems = checkProbeData({ X, y, n: nTrain + nTest, d, k, trainRows, testRows });
  if (problems.length)
    throw new DiffProbeError('probe-data', problems.map((p) => p.message).join('; '), {
      problems: problems.map((p) => p.kind),
    });

  const std = fitStandardizer(train.X, nTrain, d);
  const Ztrain = applyStandardizer(train.X, nTrain, d, std);
  const Ztest = applyStandardizer(test.X, nTest, d, std);
  const trainer = new SoftmaxTrainer(Ztrain, train.y, nTrain, d, k, { C: params.C, maxIter: params.maxIter });
  let info = trainer.step();
  let stopped = false;
  while (true) {
    const testAccuracy = accuracy(test.y, predict(trainer.model, Ztest, nTest));
    const step: ProbeStep = {
      iter: info.iter,
      loss: info.meanCrossEntropy,
      trainAccuracy: info.trainAccuracy,
      testAccuracy,
    };
    ctx.partial(step);
    ctx.progress(
      Math.min(info.iter, params.maxIter),
      params.maxIter,
      `iteration ${info.iter}, test accuracy ${(testAccuracy * 100).toFixed(1)}%`,
    );
    if (info.done) break;
    // Stop keeps the model as it is now: a probe stopped early is still a probe.
    if (await ctx.stopRequested()) {
      stopped = true;
      break;
    }
    info = trainer.step();
  }
  const model = trainer.model;
  const proba = predictProba(model, Ztest, nTest);
  const testPredictions = new Int32Array(nTest);
  const testConfidence = new Float32Array(nTest);
  for (let i = 0; i < nTest; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (proba[i * k + c] > proba[i * k + best]) best = c;
    testPredictions[i] = best;
    testConfidence[i] = proba[i * k + best];
  }
  return {
    W: model.W,
    b: model.b,
    mean: std.mean,
    scale: std.scale,
    trainAccuracy: accuracy(train.y, predict(model, Ztrain, nTrain)),
    testAccuracy: accuracy(test.y, testPredictions),
    testPredictions,
    testConfidence,
    confusion: confusionMatrix(test.y, testPredictions, k),
    iterations: info.iter,
    stopReason: stopped ? 'stopped' : info.reason,
    ms: performance.now() - started,
  };
}

export async function applyProbe(params: Jobs['applyProbe']['params']): Promise<{ proba: Float64Array }> {
  const { probe, X, n, d, k } = params;
  const Z = applyStandardizer(X, n, d, { d, mean: probe.mean, scale: probe.scale });
  return { proba: predictProba({ d, k, W: probe.W, b: probe.b }, Z, n) };
}
