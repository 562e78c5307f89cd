import { describe, expect, it } from 'vitest';
import { binarySearchPerplexity, jointProbabilities } from './affinities';
import { NeighborSearch } from './neighbor-search';
import { loadTsneFixture } from './tsne-fixture';

const f = loadTsneFixture();
const k = f.kNeighbors;

function search() {
  const s = new NeighborSearch(f.X, f.n, f.d, k);
  let steps = 1;
  while (!s.step(1e6)) steps++;
  return { graph: s.result(), steps };
}

describe('NeighborSearch', () => {
  const { graph, steps } = search();
  it('finds sklearn’s neighbours and squared distances (step-wise)', () => {
    expect(steps).toBeGreaterThan(10);
    f.rows.forEach((row, i) => {
      const mine = Array.from(graph.indices.subarray(i * k, i * k + k)).sort((a, b) => a - b);
      expect(mine).toEqual(row.neighbors);
      const byIndex = new Map(row.neighbors.map((j, t) => [j, row.sqDistances[t]]));
      for (let t = 0; t < k; t++) {
        const ref = byIndex.get(graph.indices[i * k + t])!;
        expect(Math.abs(graph.sqDistances[i * k + t] - ref) / ref).toBeLessThan(1e-6);
      }
      for (let t = 1; t < k; t++)
        expect(graph.sqDistances[i * k + t]).toBeGreaterThanOrEqual(graph.sqDistances[i * k + t - 1]);
    });
  });

  it('binary search: conditional P and betas match sklearn within 1e-5', () => {
    // From sklearn's own float32 distances: same inputs, so this tests the search itself.
    const rows = f.rows.length;
    const d2 = Float64Array.from(f.rows.flatMap((r) => r.sqDistances));
    const P = new Float64Array(rows * k);
    const betas = new Float64Array(rows);
    binarySearchPerplexity(d2, k, f.perplexity, P, betas, 0, rows);
    let maxP = 0;
    let maxBeta = 0;
    for (let i = 0; i < rows; i++) {
      maxBeta = Math.max(maxBeta, Math.abs(betas[i] - f.rows[i].beta) / f.rows[i].beta);
      for (let t = 0; t < k; t++) maxP = Math.max(maxP, Math.abs(P[i * k + t] - f.rows[i].condP[t]));
    }
    // From our own kNN distances (order differs: compare by neighbour index).
    const P2 = new Float64Array(f.n * k);
    const betas2 = new Float64Array(f.n);
    binarySearchPerplexity(graph.sqDistances, k, f.perplexity, P2, betas2, 0, rows);
    let maxP2 = 0;
    let maxBeta2 = 0;
    for (let i = 0; i < rows; i++) {
      const ref = new Map(f.rows[i].neighbors.map((j, t) => [j, f.rows[i].condP[t]]));
      maxBeta2 = Math.max(maxBeta2, Math.abs(betas2[i] - f.rows[i].beta) / f.rows[i].beta);
      for (let t = 0; t < k; t++)
        maxP2 = Math.max(maxP2, Math.abs(P2[i * k + t] - ref.get(graph.indices[i * k + t])!));
    }
    console.info(
      `affinities: max |ΔP| ${maxP.toExponential(2)} (sklearn distances), ${maxP2.toExponential(2)} (own kNN); ` +
        `max rel Δβ ${maxBeta.toExponential(2)}, ${maxBeta2.toExponential(2)}`,
    );
    expect(maxP).toBeLessThan(1e-5);
    expect(maxBeta).toBeLessThan(1e-5);
    expect(maxP2).toBeLessThan(1e-5);
    expect(maxBeta2).toBeLessThan(1e-5);
  });

  it('joint P: symmetric, sums to 1, same sparsity and row sums as sklearn', () => {
    const condP = new Float64Array(f.n * k);
    binarySearchPerplexity(graph.sqDistances, k, f.perplexity, condP, new Float64Array(f.n), 0, f.n);
    const P = jointProbabilities(graph.indices, condP, f.n, k);
    expect(P.indices.length).toBe(f.jointNnz);
    let total = 0;
    for (const v of P.values) total += v;
    expect(total).toBeCloseTo(1, 12);
    f.rows.forEach((row, i) => {
      let s = 0;
      for (let t = P.indptr[i]; t < P.indptr[i + 1]; t++) s += P.values[t];
      expect(Math.abs(s - row.jointRowSum) / row.jointRowSum).toBeLessThan(1e-5);
    });
    const at = (i: number, j: number) => {
      for (let t = P.indptr[i]; t < P.indptr[i + 1]; t++) if (P.indices[t] === j) return P.values[t];
      return 0;
    };
    for (let i = 0; i < 50; i++) {
      for (let t = P.indptr[i]; t < P.indptr[i + 1]; t++) {
        expect(at(P.indices[t], i)).toBe(P.values[t]);
        if (t > P.indptr[i]) expect(P.indices[t]).toBeGreaterThan(P.indices[t - 1]);
      }
    }
  });
});
