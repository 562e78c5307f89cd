/**
 * @file What each kind of `reproduce` (cli/reproduce-*.ts) is handed: the export, its record,
 * the model opened from it and its images; and what it hands back: its comparisons.
 */
import type { ImageInput } from '../pipeline/probe-run';
import type { Provenance, ProvenanceOrigin } from '../pipeline/provenance';
import type { PipelineRuntime } from '../pipeline/runtime';
import type { ParsedArgs } from './args';
import type { CliContext } from './context';
import type { NodeModel } from './load';
import type { Output } from './output';
import type { Comparison } from './reproduce-compare';

export interface ReproduceRun {
  ctx: CliContext;
  flags: ParsedArgs['flags'];
  /** The export as read. */
  json: Record<string, unknown>;
  p: Provenance;
  /** The record's model, opened. */
  model: NodeModel;
  rt: PipelineRuntime;
  /** x₀ of the record's images under the model's preprocessing. */
  input: ImageInput;
  origin: ProvenanceOrigin;
  cacheDir: string | null;
  out: Output;
}

export interface ReproduceOutcome {
  comparisons: Comparison[];
  /** Images whose x₀ differs from the record's (a second model's included). */
  differ: string[];
  /** How the numbers were compared, when that needs saying (printed before the total). */
  notes: string[];
}
