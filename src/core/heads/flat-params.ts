/**
 * @file A head's parameters as one flat tfjs variable while it trains. AdamW is elementwise, so
 * one update of the concatenation is, element for element, the updates of every parameter; but
 * tfjs runs each of its ~15 operations per variable as a kernel call of its own, and at ~20
 * parameters that per-call cost was a sixth of an attention head's epoch on WASM. The model reads
 * its named parameters as slices of the flat variable (whose gradients tfjs's autodiff sums back).
 */
import type * as tfc from '@tensorflow/tfjs-core';
import type { Params, TF } from './model';
import type { HeadWeights } from './weights';

export interface FlatParams {
  variable: tfc.Variable;
  /** Each parameter's place in the flat variable, in the weights' order. */
  parts: { name: string; shape: number[]; offset: number; size: number }[];
}

/** One trainable variable holding `weights` end to end (named `name`, unique per tfjs engine). */
export function flatParams(tf: TF, weights: HeadWeights, name: string): FlatParams {
  let offset = 0;
  const parts = Object.entries(weights).map(([pname, w]) => {
    const part = { name: pname, shape: [...w.shape], offset, size: w.data.length };
    offset += w.data.length;
    return part;
  });
  const data = new Float32Array(offset);
  for (const p of parts) data.set(weights[p.name].data, p.offset);
  const initial = tf.tensor1d(data);
  const variable = tf.variable(initial, true, name);
  initial.dispose();
  return { variable, parts };
}

/** The named parameters as tensors cut from the flat variable (to dispose, or inside a tidy). */
export function paramViews(tf: TF, flat: FlatParams): Params {
  return Object.fromEntries(
    flat.parts.map((p) => [p.name, tf.reshape(tf.slice(flat.variable, [p.offset], [p.size]), p.shape)]),
  );
}

/** The current values, by name (copies). */
export function readParams(flat: FlatParams): HeadWeights {
  const all = flat.variable.dataSync() as Float32Array;
  return Object.fromEntries(
    flat.parts.map((p) => [p.name, { shape: [...p.shape], data: all.slice(p.offset, p.offset + p.size) }]),
  ) as HeadWeights;
}

/** Sets the flat variable to `weights` (the same names and shapes). */
export function writeParams(tf: TF, flat: FlatParams, weights: HeadWeights): void {
  const data = new Float32Array(flat.variable.size);
  for (const p of flat.parts) data.set(weights[p.name].data, p.offset);
  const values = tf.tensor1d(data);
  flat.variable.assign(values);
  values.dispose();
}
