/**
 * @file What the extra inputs of a bare graph are for: a class label (ADM's `y`, diffusers'
 * `class_labels`: an integer per image looked up in a label embedding, whose rows are the classes;
 * or a one-hot vector `c` of the classes), or a conditioning embedding (`encoder_hidden_states`).
 * Class inputs get a `class` entry (docs/manifest.md) the user then sets: a fixed class, the null
 * class, or each image's own label.
 */
import type { ManifestExtraInput } from '../manifest/types';
import type { OnnxModelInfo } from './reader';

/** Nodes that pass an index through unchanged on its way to the embedding lookup. */
const PASS_THROUGH = new Set(['Cast', 'Reshape', 'Unsqueeze', 'Squeeze', 'Identity', 'Flatten']);
/** Names a one-hot class vector goes by (EDM's `class_labels`, course models' `c`, `y`…). */
const CLASS_NAME = /^(c|y|labels?|class(es)?(_?labels?)?|one_?hot\w*|\w*class\w*)$/i;
/** Names of a cross-attention context (diffusers' `encoder_hidden_states`, LDM's `context`). */
const EMBEDDING_NAME = /encoder_hidden_states|context|text|prompt|cond|emb/i;

/** Rows of the label embedding an integer input indexes (Gather(table, indices)), or null. */
export function labelEmbeddingRows(info: OnnxModelInfo, input: string): number | null {
  const initializers = new Map(info.initializers.map((i) => [i.name, i]));
  let names = new Set([input]);
  for (let hop = 0; hop < 4 && names.size; hop++) {
    const next = new Set<string>();
    for (const node of info.nodes) {
      if (node.opType === 'Gather' && names.has(node.inputs[1] ?? '')) {
        const table = initializers.get(node.inputs[0]);
        if (table && table.dims.length === 2 && table.dims[0] > 0) return table.dims[0];
      }
      if (PASS_THROUGH.has(node.opType) && names.has(node.inputs[0]))
        for (const o of node.outputs) next.add(o);
    }
    names = next;
  }
  return null;
}

/**
 * The extras with class inputs marked, and notes saying what was found. An integer [N] input that
 * indexes a label embedding of K rows is a class index of K classes (fed class 0 until the user
 * chooses); a float [N, K] input named like a class is a one-hot vector of K classes (fed all zeros,
 * the unconditional label of EDM-style models, until the user chooses).
 */
export function findConditions(
  info: OnnxModelInfo,
  extras: readonly ManifestExtraInput[],
): { extras: ManifestExtraInput[]; notes: string[] } {
  const notes: string[] = [];
  const out = extras.map((e): ManifestExtraInput => {
    if (e.dtype !== 'float32' && e.batched && e.shape.length === 0) {
      const rows = labelEmbeddingRows(info, e.name);
      if (rows !== null) {
        notes.push(
          `class label: "${e.name}" indexes a label embedding of ${rows} rows (classes 0…${rows - 1})`,
        );
        return { ...e, value: 0, class: { encoding: 'index', count: rows, feed: 'constant' } };
      }
    }
    if (
      e.dtype === 'float32' &&
      e.batched &&
      e.shape.length === 1 &&
      e.shape[0] >= 2 &&
      CLASS_NAME.test(e.name)
    ) {
      const k = e.shape[0];
      notes.push(`class label: "${e.name}" is a one-hot vector of ${k} classes (fed all zeros: no class)`);
      return { ...e, value: -1, class: { encoding: 'one-hot', count: k, feed: 'constant', nullValue: -1 } };
    }
    if (e.dtype === 'float32' && e.shape.length >= 2 && EMBEDDING_NAME.test(e.name))
      notes.push(
        `conditioning: "${e.name}" looks like a text encoder's output; it is fed zeros (no prompt) until you give an embedding`,
      );
    return e;
  });
  return { extras: out, notes };
}
