import { describe, expect, it } from 'vitest';
import { createRng, gaussian } from '../rng';
import { BarnesHutTree } from './quadtree';

function exact(Y: Float64Array, n: number): { neg: Float64Array; Z: number } {
  const neg = new Float64Array(2 * n);
  let Z = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i === j) continue;
      const dx = Y[2 * i] - Y[2 * j];
      const dy = Y[2 * i + 1] - Y[2 * j + 1];
      const q = 1 / (1 + dx * dx + dy * dy);
      Z += q;
      neg[2 * i] += q * q * dx;
      neg[2 * i + 1] += q * q * dy;
    }
  }
  return { neg, Z };
}

function clustered(n: number, seed: number): Float64Array {
  const z = gaussian(createRng(seed), 2 * n);
  const Y = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const c = i % 5;
    Y[2 * i] = 8 * Math.cos(c) + z[2 * i];
    Y[2 * i + 1] = 8 * Math.sin(c) + 2 * z[2 * i + 1];
  }
  return Y;
}

describe('BarnesHutTree.repulsion', () => {
  it('θ = 0 is exact', () => {
    const n = 300;
    const Y = clustered(n, 1);
    const tree = new BarnesHutTree(n);
    tree.build(Y, n);
    const neg = new Float64Array(2 * n);
    const Z = tree.repulsion(0, neg);
    const ref = exact(Y, n);
    expect(Math.abs(Z / ref.Z - 1)).toBeLessThan(1e-12);
    for (let t = 0; t < 2 * n; t++) expect(Math.abs(neg[t] - ref.neg[t])).toBeLessThan(1e-12);
  });

  it('θ = 0.5 is close to exact (Z and forces within 1%)', () => {
    const n = 2000;
    const Y = clustered(n, 2);
    const tree = new BarnesHutTree(n);
    tree.build(Y, n);
    const neg = new Float64Array(2 * n);
    const Z = tree.repulsion(0.5, neg);
    const ref = exact(Y, n);
    let err = 0;
    let norm = 0;
    for (let t = 0; t < 2 * n; t++) {
      err += (neg[t] - ref.neg[t]) ** 2;
      norm += ref.neg[t] ** 2;
    }
    console.info(
      `θ=0.5: |ΔZ|/Z ${Math.abs(Z / ref.Z - 1).toExponential(2)}, force rel. error ${Math.sqrt(err / norm).toExponential(2)}`,
    );
    expect(Math.abs(Z / ref.Z - 1)).toBeLessThan(1e-2);
    expect(Math.sqrt(err / norm)).toBeLessThan(1e-2);
  });

  it('duplicates share a leaf, do not repel each other, and give no NaN', () => {
    const n = 50;
    const Y = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) {
      Y[2 * i] = i < 30 ? 1 : i; // 30 copies of (1, 2) plus 20 distinct points
      Y[2 * i + 1] = 2;
    }
    const tree = new BarnesHutTree(n);
    tree.build(Y, n);
    const neg = new Float64Array(2 * n);
    const Z = tree.repulsion(0.5, neg);
    expect(Number.isFinite(Z)).toBe(true);
    expect(neg.every(Number.isFinite)).toBe(true);
    // Reference without the 30·29 duplicate pairs (sklearn skips them too).
    const ref = exact(Y, n);
    expect(Math.abs(Z - (ref.Z - 30 * 29)) / ref.Z).toBeLessThan(1e-3);
    const all = new Float64Array(4).fill(5);
    const one = new BarnesHutTree(2);
    one.build(all, 2);
    expect(one.repulsion(0.5, new Float64Array(2 * 2))).toBe(0);
  });
});
