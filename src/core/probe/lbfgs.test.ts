import { describe, expect, it } from 'vitest';
import { Lbfgs } from './lbfgs';

function run(opt: Lbfgs) {
  let s = opt.step();
  while (!s.done) s = opt.step();
  return s;
}

describe('Lbfgs', () => {
  it('minimises the Rosenbrock function from (−1.2, 1)', () => {
    const opt = new Lbfgs(
      (x, g) => {
        const [a, b] = x;
        g[0] = -400 * a * (b - a * a) - 2 * (1 - a);
        g[1] = 200 * (b - a * a);
        return 100 * (b - a * a) ** 2 + (1 - a) ** 2;
      },
      new Float64Array([-1.2, 1]),
      { gtol: 1e-8, ftol: 0, maxIter: 200 },
    );
    const s = run(opt);
    expect(s.reason).toBe('gtol');
    expect(opt.x[0]).toBeCloseTo(1, 6);
    expect(opt.x[1]).toBeCloseTo(1, 6);
    expect(s.iter).toBeLessThan(60);
  });

  it('solves an ill-conditioned quadratic and reports iterations step by step', () => {
    const n = 50;
    const diag = Float64Array.from({ length: n }, (_, i) => 10 ** ((4 * i) / (n - 1)));
    const opt = new Lbfgs(
      (x, g) => {
        let f = 0;
        for (let i = 0; i < n; i++) {
          g[i] = diag[i] * (x[i] - 1);
          f += 0.5 * diag[i] * (x[i] - 1) ** 2;
        }
        return f;
      },
      new Float64Array(n),
      { gtol: 1e-9, ftol: 0, maxIter: 1000 },
    );
    const first = opt.step();
    expect(first.iter).toBe(0);
    expect(first.done).toBe(false);
    const iters: number[] = [];
    let s = opt.step();
    iters.push(s.iter);
    while (!s.done) {
      s = opt.step();
      iters.push(s.iter);
    }
    expect(iters.slice(0, 3)).toEqual([1, 2, 3]);
    for (let i = 0; i < n; i++) expect(opt.x[i]).toBeCloseTo(1, 6);
    // Calls after done return the same status.
    expect(opt.step()).toEqual(s);
  });

  it('stops on max-iter', () => {
    const opt = new Lbfgs(
      (x, g) => {
        g[0] = 4 * x[0] ** 3;
        return x[0] ** 4;
      },
      new Float64Array([3]),
      { gtol: 0, ftol: 0, maxIter: 3 },
    );
    const s = run(opt);
    expect(s.reason).toBe('max-iter');
    expect(s.iter).toBe(3);
  });
});
