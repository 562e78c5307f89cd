import { describe, expect, it } from 'vitest';
import { createRng, gaussian } from '../rng';
import { loadProbeFixture } from './probe-fixture';
import { takeLabels, takeRows } from './rows';
import {
  accuracy,
  confusionMatrix,
  predict,
  predictProba,
  type SoftmaxStepInfo,
  SoftmaxTrainer,
} from './softmax-regression';
import { applyStandardizer, fitStandardizer } from './standardize';

function train(t: SoftmaxTrainer): SoftmaxStepInfo[] {
  const log = [t.step()];
  while (!log[log.length - 1].done) log.push(t.step());
  return log;
}

describe('SoftmaxTrainer vs sklearn LogisticRegression (multinomial, lbfgs)', () => {
  const f = loadProbeFixture();
  const trainRows = Array.from({ length: f.nTrain }, (_, i) => i);
  const testRows = Array.from({ length: f.n - f.nTrain }, (_, i) => f.nTrain + i);
  const s = fitStandardizer(f.X, f.n, f.d, trainRows);
  const Z = applyStandardizer(f.X, f.n, f.d, s, new Float64Array(f.n * f.d));
  const Ztr = takeRows(Z, f.d, trainRows);
  const Zte = takeRows(Z, f.d, testRows);
  const ytr = takeLabels(f.y, trainRows);
  const yte = takeLabels(f.y, testRows);

  it.each(f.fits)('C = $C: same objective, coefficients and predictions', (fit) => {
    const t = new SoftmaxTrainer(Ztr, ytr, f.nTrain, f.d, f.k, { C: fit.C, maxIter: 1000, tol: 1e-6 });
    const log = train(t);
    const last = log[log.length - 1];
    const m = t.model;
    const relObj = Math.abs(last.loss - fit.objective) / fit.objective;
    let coefDiff = 0;
    for (let c = 0; c < f.k; c++) {
      for (let j = 0; j < f.d; j++)
        coefDiff = Math.max(coefDiff, Math.abs(m.W[c * f.d + j] - fit.coef[c][j]));
      coefDiff = Math.max(coefDiff, Math.abs(m.b[c] - fit.intercept[c]));
    }
    const pTr = predict(m, Ztr, f.nTrain);
    const pTe = predict(m, Zte, f.n - f.nTrain);
    let same = 0;
    for (let i = 0; i < pTr.length; i++) if (pTr[i] === fit.predTrain[i]) same++;
    for (let i = 0; i < pTe.length; i++) if (pTe[i] === fit.predTest[i]) same++;
    const proba = predictProba(m, Zte, 5);
    let probaDiff = 0;
    for (let i = 0; i < 5; i++)
      for (let c = 0; c < f.k; c++)
        probaDiff = Math.max(probaDiff, Math.abs(proba[i * f.k + c] - fit.probaTestFirst5[i][c]));
    console.info(
      `C=${fit.C}: ${last.iter} iters (sklearn ${fit.nIter}), ${last.reason}; objective rel diff ${relObj.toExponential(2)}; ` +
        `max |coef diff| ${coefDiff.toExponential(2)}; same predictions ${same}/${f.n}; max |proba diff| ${probaDiff.toExponential(2)}`,
    );
    expect(relObj).toBeLessThan(1e-6);
    expect(coefDiff).toBeLessThan(1e-3);
    expect(same / f.n).toBeGreaterThanOrEqual(0.995);
    expect(probaDiff).toBeLessThan(1e-3);
    expect(accuracy(ytr, pTr)).toBeCloseTo(fit.trainAccuracy, 2);
    expect(accuracy(yte, pTe)).toBeCloseTo(fit.testAccuracy, 2);
    expect(last.trainAccuracy).toBeCloseTo(accuracy(ytr, pTr), 12);
    // The objective never increases from one iteration to the next.
    for (let i = 1; i < log.length; i++) expect(log[i].loss).toBeLessThanOrEqual(log[i - 1].loss + 1e-9);
    expect(log[0].iter).toBe(0);
    expect(log[0].loss).toBeCloseTo(f.nTrain * Math.log(f.k), 9);
  });

  it('gradient matches finite differences', () => {
    const n = 20;
    const d = 3;
    const k = 3;
    const X = Float64Array.from(gaussian(createRng(3), n * d));
    const y = Int32Array.from({ length: n }, (_, i) => i % k);
    const t = new SoftmaxTrainer(X, y, n, d, k, { C: 0.7 });
    // Reach into the objective through a fresh trainer's first steps: compare f(w ± h e_i).
    const obj = (t as unknown as { objective(w: Float64Array, g: Float64Array): number }).objective.bind(t);
    const w = Float64Array.from(gaussian(createRng(4), k * (d + 1)));
    const g = new Float64Array(w.length);
    obj(w, g);
    const tmp = new Float64Array(w.length);
    for (let i = 0; i < w.length; i++) {
      const h = 1e-6;
      const wp = w.slice();
      wp[i] += h;
      const wm = w.slice();
      wm[i] -= h;
      const fd = (obj(wp, tmp) - obj(wm, tmp)) / (2 * h);
      expect(Math.abs(fd - g[i])).toBeLessThan(1e-6 * Math.max(1, Math.abs(g[i])));
    }
  });

  it('accepts float32 features and stops at maxIter', () => {
    const t = new SoftmaxTrainer(Float32Array.from(Ztr), ytr, f.nTrain, f.d, f.k, { maxIter: 5 });
    const log = train(t);
    expect(log[log.length - 1].iter).toBeLessThanOrEqual(5);
    expect(log[log.length - 1].done).toBe(true);
  });

  it('after a failed line search, reports the loss and accuracies of the accepted point, not the rejected trial', async () => {
    const n = 60;
    const d = 4;
    const k = 3;
    const y = Int32Array.from({ length: n }, (_, i) => i % k);
    const X = Float64Array.from(
      gaussian(createRng(11), n * d),
      (v, t) => v + (t % d === y[Math.floor(t / d)] ? 2 : 0),
    );
    /** The data term at w, honestly: cross-entropy, gradient and the rows whose argmax is their label. */
    const honest = (w: Float64Array, g: Float64Array) => {
      g.fill(0);
      let ce = 0;
      let correct = 0;
      const z = new Float64Array(k);
      for (let i = 0; i < n; i++) {
        for (let c = 0; c < k; c++) {
          z[c] = w[k * d + c];
          for (let j = 0; j < d; j++) z[c] += w[c * d + j] * X[i * d + j];
        }
        const zMax = Math.max(...z);
        if (z.indexOf(zMax) === y[i]) correct++;
        let sum = 0;
        for (let c = 0; c < k; c++) sum += Math.exp(z[c] - zMax);
        ce += Math.log(sum) + zMax - z[y[i]];
        for (let c = 0; c < k; c++) {
          const r = Math.exp(z[c] - zMax) / sum - (c === y[i] ? 1 : 0);
          g[k * d + c] += r;
          for (let j = 0; j < d; j++) g[c * d + j] += r * X[i * d + j];
        }
      }
      return { ce, correct };
    };
    // After a few iterations the objective turns into a wall everywhere but the current point
    // (as rounding noise does for a float32 objective near its minimum): every line-search trial
    // is rejected, and the rejected trials report nonsense counts.
    let frozen: Float64Array | null = null;
    const term = {
      relativePrecision: 0,
      async evaluate(w: Float64Array, g: Float64Array) {
        const { ce, correct } = honest(w, g);
        if (frozen && w.some((v, i) => v !== frozen![i]))
          return { ce: ce + 1000, correct: 0, testCorrect: 0 };
        return { ce, correct, testCorrect: correct };
      },
    };
    const t = new SoftmaxTrainer(null, y, n, d, k, { dataTerm: term, maxIter: 50 });
    let info = await t.stepAsync();
    while (info.iter < 3) info = await t.stepAsync();
    const accepted = Float64Array.from([...t.model.W, ...t.model.b]);
    frozen = accepted;
    const last = await t.stepAsync();
    expect(last.reason).toBe('line-search');
    const at = honest(accepted, new Float64Array(accepted.length));
    expect(at.correct).toBeGreaterThan(0);
    expect(last.trainAccuracy).toBe(at.correct / n);
    expect(last.meanCrossEntropy).toBeCloseTo(at.ce / n, 12);
    expect(last.testCorrect).toBe(at.correct);
    expect(last.loss).toBe(info.loss);
  });

  it('rejects labels outside [0, k)', () => {
    expect(() => new SoftmaxTrainer(new Float32Array(4), [0, 3], 2, 2, 3)).toThrow(
      expect.objectContaining({ code: 'probe-data' }),
    );
  });
});

describe('metrics', () => {
  it('accuracy and confusionMatrix (rows = truth, columns = prediction)', () => {
    const yt = [0, 0, 1, 2, 2, 2];
    const yp = [0, 1, 1, 2, 0, 2];
    expect(accuracy(yt, yp)).toBeCloseTo(4 / 6, 12);
    expect(Array.from(confusionMatrix(yt, yp, 3))).toEqual([1, 1, 0, 0, 1, 0, 1, 0, 2]);
  });
});
