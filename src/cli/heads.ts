/**
 * @file `--head linear|mlp|attention` and its settings, for `probe` and `sweep`: the app's heads
 * (core/heads) trained by the worker's own handler on tfjs's WASM backend in Node. The attention
 * head reads the map as tokens, so its pooling defaults to grid8 (each side pooled to ≤ 8).
 */
import {
  ATTENTION_POOLING,
  defaultHead,
  HEAD_KINDS,
  type HeadKind,
  type NeuralHead,
  validateHead,
} from '../core/heads/spec';

export { blockMaps } from '../core/heads/layout';

import { int, num, type OptionSpec, type ParsedArgs, str, UsageError } from './args';

type Flags = ParsedArgs['flags'];

export const HEAD_OPTIONS: OptionSpec[] = [
  {
    name: 'head',
    value: 'linear|mlp|attention',
    help: 'what is trained on the features: the linear probe, an MLP on the pooled features, or an attention head on the map as tokens (pooling grid8 unless --pooling says grid4 or grid16)',
    default: 'linear',
  },
  {
    name: 'head-seed',
    value: 'S',
    help: 'mlp/attention: seed of the initial weights, batch order and dropout',
    default: '0',
  },
  { name: 'epochs', value: 'N', help: 'mlp/attention: most epochs', default: 'mlp 60, attention 30' },
  {
    name: 'patience',
    value: 'N',
    help: 'mlp/attention: stop after N epochs without a better validation accuracy',
    default: 'mlp 8, attention 5',
  },
  { name: 'lr', value: 'LR', help: 'mlp/attention: AdamW learning rate', default: '0.001' },
  { name: 'weight-decay', value: 'WD', help: 'mlp/attention: AdamW weight decay', default: '0.01' },
  { name: 'batch-size', value: 'B', help: 'mlp/attention: images per step', default: '64' },
];

/** The head of --head with its settings (null: the linear probe). */
export function headOf(flags: Flags): NeuralHead | null {
  const kind = (str(flags, 'head') ?? 'linear') as HeadKind;
  if (!HEAD_KINDS.includes(kind))
    throw new UsageError(`--head must be one of ${HEAD_KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
  if (kind === 'linear') {
    for (const f of ['head-seed', 'epochs', 'patience', 'lr', 'weight-decay', 'batch-size'])
      if (flags[f] !== undefined) throw new UsageError(`--${f} is a setting of --head mlp or attention`);
    return null;
  }
  const head = defaultHead(kind, int(flags, 'head-seed', 0, 0, 0xffffffff));
  const t = head.training;
  head.training = {
    ...t,
    maxEpochs: int(flags, 'epochs', t.maxEpochs, 1, 10_000),
    patience: int(flags, 'patience', t.patience, 0, 10_000),
    lr: num(flags, 'lr', t.lr, 1e-6, 1),
    weightDecay: num(flags, 'weight-decay', t.weightDecay, 0, 1),
    batchSize: int(flags, 'batch-size', t.batchSize, 1, 4096),
  };
  validateHead(head);
  return head;
}

/** The --pooling a head reads: grid8 by default for the attention head, which needs a map. */
export function headPoolingName(flags: Flags, head: NeuralHead | null): string {
  const given = str(flags, 'pooling');
  if (head?.kind !== 'attention') return given ?? 'avg';
  if (given === undefined) return `grid${(ATTENTION_POOLING as { size: number }).size}`;
  if (!/^grid\d+$/.test(given))
    throw new UsageError(
      `--head attention reads the map as tokens: --pooling must be grid4, grid8 or grid16, not ${JSON.stringify(given)}`,
    );
  return given;
}

/**
 * A run's settings with the head, when there is one: a linear probe's settings (and so its run
 * id in run.json) stay what they were before heads existed.
 */
export function withHead<T extends object>(settings: T, head: NeuralHead | null): T & { head?: NeuralHead } {
  return head ? { ...settings, head } : settings;
}
