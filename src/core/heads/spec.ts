/**
 * @file The classification heads beside the linear probe, as data: which heads there are, their
 * settings with defaults, and how the settings are checked and said in words. One registry
 * ({@link HEADS}) that the UI's choice, the CLI's `--head` values and the exports all read.
 *
 * - linear: the app's probe (standardise, softmax regression, L-BFGS; core/probe).
 * - mlp: on the pooled features (standardised on the training rows): Linear → ReLU or GELU →
 *   dropout → Linear.
 * - attention: on the block's map as tokens (pooling 'grid': each side average-pooled to at most
 *   8 cells): a LayerNorm over the whole map (the paper's `norm_type=layer`), a linear projection
 *   of every position to d plus a learned position embedding, one pre-norm Transformer encoder block (multi-head self-attention,
 *   then an MLP, each with a LayerNorm and a residual), a learned class token or the mean of the
 *   tokens, and a linear classifier. docs/heads.md says where it differs from the paper's.
 *
 * Both neural heads train with AdamW (decoupled weight decay, as torch.optim.AdamW) on mini-batches
 * in a seeded order, choose the epoch with the best validation accuracy and stop early when it has
 * not improved for `patience` epochs (core/heads/train.ts).
 */
import { DiffProbeError, quote } from '../errors';
import type { Pooling } from '../pooling';

export type HeadKind = 'linear' | 'mlp' | 'attention';
export const HEAD_KINDS: readonly HeadKind[] = ['linear', 'mlp', 'attention'];
export type NeuralHeadKind = Exclude<HeadKind, 'linear'>;

/** How a neural head is trained (the same for both). */
export interface HeadTraining {
  /** AdamW's learning rate. */
  lr: number;
  /** AdamW's decoupled weight decay (torch's default is 0.01). */
  weightDecay: number;
  batchSize: number;
  /** The most epochs. */
  maxEpochs: number;
  /** Stop after this many epochs without a better validation accuracy (0: never stop early). */
  patience: number;
  /** Seeds the initial weights, the order of the training rows and the dropout masks. */
  seed: number;
}

export interface MlpHeadOptions {
  hidden: number;
  activation: 'relu' | 'gelu';
  dropout: number;
}

export interface AttentionHeadOptions {
  /** Width of the tokens after the projection. */
  dim: number;
  heads: number;
  /** The encoder block's MLP has dim · mlpRatio hidden units. */
  mlpRatio: number;
  /** Dropout after the MLP's activation and after its output (timm's Mlp `drop`). */
  dropout: number;
  /** 'cls': a learned class token (the paper's); 'mean': the mean of the output tokens. */
  readout: 'cls' | 'mean';
  /**
   * A learned position embedding per token (ViT's). The paper's head has none: without it the
   * block sees the map as a bag of positions (only the input LayerNorm's per-position scale and
   * shift tell them apart).
   */
  positions: boolean;
}

export type MlpHead = { kind: 'mlp'; mlp: MlpHeadOptions; training: HeadTraining };
export type AttentionHead = { kind: 'attention'; attention: AttentionHeadOptions; training: HeadTraining };
/** A neural head with every setting that decides its numbers. */
export type NeuralHead = MlpHead | AttentionHead;

export const DEFAULT_MLP: MlpHeadOptions = { hidden: 256, activation: 'relu', dropout: 0.2 };
export const DEFAULT_ATTENTION: AttentionHeadOptions = {
  dim: 64,
  heads: 4,
  mlpRatio: 2,
  dropout: 0.1,
  readout: 'cls',
  positions: true,
};
export const DEFAULT_TRAINING: Record<NeuralHeadKind, HeadTraining> = {
  mlp: { lr: 1e-3, weightDecay: 0.01, batchSize: 64, maxEpochs: 60, patience: 8, seed: 0 },
  attention: { lr: 1e-3, weightDecay: 0.01, batchSize: 64, maxEpochs: 30, patience: 5, seed: 0 },
};

/** The grid an attention head reads by default: positions average-pooled to at most 8×8. */
export const ATTENTION_POOLING: Pooling = { kind: 'grid', size: 8 };

export interface HeadInfo {
  kind: HeadKind;
  /** For a choice in the UI. */
  label: string;
  /** In sentences: "the attention head adds 2.1 points…". */
  noun: string;
  /** What it reads. */
  input: string;
}

export const HEADS: Record<HeadKind, HeadInfo> = {
  linear: {
    kind: 'linear',
    label: 'Linear probe',
    noun: 'the linear probe',
    input: 'pooled features',
  },
  mlp: {
    kind: 'mlp',
    label: 'MLP head',
    noun: 'the MLP head',
    input: 'pooled features',
  },
  attention: {
    kind: 'attention',
    label: 'Attention head',
    noun: 'the attention head',
    input: 'the map as tokens (each side pooled to ≤ 8)',
  },
};

/** A head of `kind` with the default settings (and `seed`). */
export function defaultHead(kind: NeuralHeadKind, seed = 0): NeuralHead {
  const training = { ...DEFAULT_TRAINING[kind], seed };
  return kind === 'mlp'
    ? { kind, mlp: { ...DEFAULT_MLP }, training }
    : { kind, attention: { ...DEFAULT_ATTENTION }, training };
}

function check(ok: boolean, what: string, value: unknown): void {
  if (!ok) throw new DiffProbeError('probe-data', `head setting ${what} must be ${quote(value)}`, { what });
}

/** Throws DiffProbeError('probe-data') naming the first setting out of range. */
export function validateHead(head: NeuralHead): void {
  const t = head.training;
  const int = (v: number, lo: number, hi: number) => Number.isInteger(v) && v >= lo && v <= hi;
  check(t.lr > 0 && t.lr <= 1, 'lr', 'in (0, 1]');
  check(t.weightDecay >= 0 && t.weightDecay <= 1, 'weightDecay', 'in [0, 1]');
  check(int(t.batchSize, 1, 4096), 'batchSize', 'a whole number from 1 to 4096');
  check(int(t.maxEpochs, 1, 10_000), 'maxEpochs', 'a whole number from 1 to 10000');
  check(int(t.patience, 0, 10_000), 'patience', 'a whole number from 0 to 10000');
  check(int(t.seed, 0, 0xffffffff), 'seed', 'a whole number from 0 to 2^32 − 1');
  if (head.kind === 'mlp') {
    const m = head.mlp;
    check(int(m.hidden, 1, 65_536), 'hidden', 'a whole number from 1 to 65536');
    check(m.activation === 'relu' || m.activation === 'gelu', 'activation', 'relu or gelu');
    check(m.dropout >= 0 && m.dropout < 1, 'dropout', 'in [0, 1)');
  } else {
    const a = head.attention;
    check(int(a.dim, 1, 4096), 'dim', 'a whole number from 1 to 4096');
    check(int(a.heads, 1, a.dim) && a.dim % a.heads === 0, 'heads', `a divisor of dim (${a.dim})`);
    check(
      a.mlpRatio > 0 && Number.isInteger(a.dim * a.mlpRatio),
      'mlpRatio',
      'positive, dim · mlpRatio whole',
    );
    check(a.dropout >= 0 && a.dropout < 1, 'dropout', 'in [0, 1)');
    check(a.readout === 'cls' || a.readout === 'mean', 'readout', 'cls or mean');
    check(typeof a.positions === 'boolean', 'positions', 'true or false');
  }
}

/** The head and its settings in one line, for result headings and run records. */
export function describeHead(head: NeuralHead | null): string {
  if (!head) return 'linear probe';
  const t = head.training;
  const train = `AdamW lr ${t.lr}, weight decay ${t.weightDecay}, batch ${t.batchSize}, ≤ ${t.maxEpochs} epochs (patience ${t.patience}), seed ${t.seed}`;
  if (head.kind === 'mlp') {
    const m = head.mlp;
    return `MLP head (${m.hidden} hidden, ${m.activation.toUpperCase()}, dropout ${m.dropout}; ${train})`;
  }
  const a = head.attention;
  return `attention head (d ${a.dim}, ${a.heads} heads, MLP ×${a.mlpRatio}, dropout ${a.dropout}, ${a.readout === 'cls' ? 'class token' : 'mean of tokens'}${a.positions ? ', learned positions' : ', no positions'}; ${train})`;
}
