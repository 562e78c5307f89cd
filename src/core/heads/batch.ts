/**
 * @file Rows of features → the input arrays of one batch. The MLP gets its rows standardised
 * ([B, d]); the attention head gets, per token group, its positions as tokens ([B, h·w, C]) from
 * the group's channel-major values (c, then i, then j: torch's flatten(1) of [C, h, w]). Pure
 * array work, done in JavaScript while gathering the batch, so tfjs never transposes the data.
 */
import type { HeadLayout } from './layout';
import type { NeuralHead } from './spec';

/** The standardisation an MLP head's rows get (fitted on the training rows; scale 1 for constant features). */
export interface RowScaling {
  mean: Float64Array;
  scale: Float64Array;
}

export interface BatchInput {
  data: Float32Array;
  shape: number[];
}

/** The inputs of `head` for rows `rows` of X ([n, layout.d] row-major). */
export function batchInputs(
  head: NeuralHead,
  layout: HeadLayout,
  X: Float32Array,
  rows: ArrayLike<number>,
  scaling: RowScaling | null,
): BatchInput[] {
  const { d } = layout;
  const B = rows.length;
  if (head.kind === 'mlp') {
    const out = new Float32Array(B * d);
    for (let b = 0; b < B; b++) {
      const src = rows[b] * d;
      const dst = b * d;
      if (scaling)
        for (let j = 0; j < d; j++) out[dst + j] = (X[src + j] - scaling.mean[j]) / scaling.scale[j];
      else out.set(X.subarray(src, src + d), dst);
    }
    return [{ data: out, shape: [B, d] }];
  }
  let offset = 0;
  return layout.groups.map((g) => {
    const P = g.height * g.width;
    const C = g.channels;
    const out = new Float32Array(B * P * C);
    for (let b = 0; b < B; b++) {
      const src = rows[b] * d + offset;
      const dst = b * P * C;
      for (let c = 0; c < C; c++) {
        const from = src + c * P;
        for (let p = 0; p < P; p++) out[dst + p * C + c] = X[from + p];
      }
    }
    offset += P * C;
    return { data: out, shape: [B, P, C] };
  });
}
