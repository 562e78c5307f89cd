import { beforeAll, describe, expect, it } from 'vitest';
import { nodeTf } from '../../engine/tf-node';
import { flatParams, paramViews, readParams, writeParams } from './flat-params';
import type { TF } from './model';
import { defaultHead } from './spec';
import { initialWeights } from './weights';

let tf: TF;
beforeAll(async () => {
  tf = await nodeTf();
});

describe("a head's parameters as one flat variable", () => {
  const layout = { d: 4 * 9, k: 3, groups: [{ channels: 4, height: 3, width: 3 }] };
  const weights = initialWeights(defaultHead('attention', 3), layout);

  it('gives every parameter back by name, shape and value', () => {
    const flat = flatParams(tf, weights, 'flat-test/a');
    const views = paramViews(tf, flat);
    expect(Object.keys(views)).toEqual(Object.keys(weights));
    for (const [name, w] of Object.entries(weights)) {
      expect(views[name].shape, name).toEqual(w.shape);
      expect(views[name].dataSync(), name).toEqual(w.data);
    }
    expect(readParams(flat)).toEqual(weights);
    for (const v of Object.values(views)) v.dispose();
    flat.variable.dispose();
  });

  it("takes a gradient per parameter (the slices' gradients land in their own places)", () => {
    const flat = flatParams(tf, weights, 'flat-test/b');
    // d/dθ of Σ_name c_name·Σ(param): c_name on every element of that parameter.
    const names = Object.keys(weights);
    const { grads } = tf.variableGrads(() => {
      const p = paramViews(tf, flat);
      return tf.addN(names.map((n, i) => tf.mul(tf.sum(p[n]), i + 1))) as never;
    }, [flat.variable]);
    const g = grads[flat.variable.name].dataSync();
    let offset = 0;
    for (const [i, n] of names.entries()) {
      const size = weights[n].data.length;
      expect(Array.from(new Set(g.subarray(offset, offset + size))), n).toEqual([i + 1]);
      offset += size;
    }
    expect(offset).toBe(g.length);
    for (const t of Object.values(grads)) t.dispose();
    flat.variable.dispose();
  });

  it('is set from named weights, and leaves no tensor behind', () => {
    const before = tf.memory().numTensors;
    const flat = flatParams(tf, weights, 'flat-test/c');
    const other = initialWeights(defaultHead('attention', 4), layout);
    writeParams(tf, flat, other);
    expect(readParams(flat)).toEqual(other);
    flat.variable.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
