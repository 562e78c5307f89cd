/**
 * @file The "Model" dialog's edits as a pure function of the loaded manifest: which blocks, which
 * schedule, what the network predicts, and the constants fed to extra inputs. The result goes to
 * the worker (which checks it against the graph) and is what "Save manifest" writes.
 */

import { toBlock } from '../../core/manifest/block';
import type {
  Manifest,
  ManifestBlock,
  ManifestExtraInput,
  ManifestSchedule,
  PredictionType,
  TimestepConvention,
} from '../../core/manifest/types';
import type { BlockCandidate } from '../../worker/jobs';

export interface ModelEdits {
  /** Block names, any order; the manifest lists them in forward order. */
  blocks: readonly string[];
  schedule: ManifestSchedule;
  prediction: PredictionType;
  /** Value fed to each extra input, by input name. */
  extraValues: Readonly<Record<string, number>>;
  /** Edited extra inputs (class feeds, embeddings), replacing the manifest's entries of the same name. */
  extraInputs?: readonly ManifestExtraInput[];
  /** What the timestep input takes (stated explicitly once chosen here); σ_data for `sigma`. */
  convention?: TimestepConvention;
  sigmaData?: number;
}

/** The manifest with the edits applied; blocks keep forward order (candidates' order first). */
export function editManifest(
  manifest: Manifest,
  candidates: readonly BlockCandidate[],
  edits: ModelEdits,
): Manifest {
  const wanted = new Set(edits.blocks);
  const known = new Map<string, ManifestBlock>();
  for (const b of manifest.blocks) known.set(b.name, b);
  for (const c of candidates) if (!known.has(c.name)) known.set(c.name, toBlock(c));
  // Candidates are in forward (topological) order; manifest blocks that are not candidates keep
  // their place after them, in the manifest's own order.
  const order = [...candidates.map((c) => c.name), ...manifest.blocks.map((b) => b.name)];
  const blocks = [...new Set(order)].filter((n) => wanted.has(n)).map((n) => known.get(n)!);
  const names = new Set(blocks.map((b) => b.name));
  const skips = manifest.skips?.filter((s) => names.has(s.from) && names.has(s.to));
  const replaced = new Map((edits.extraInputs ?? []).map((e) => [e.name, e]));
  const extraInputs = manifest.extraInputs?.map((original) => {
    const e = replaced.get(original.name) ?? original;
    return e.name in edits.extraValues ? { ...e, value: edits.extraValues[e.name] } : e;
  });
  const { sigmaData: _, ...timestep } = manifest.timestep;
  const convention = edits.convention ?? manifest.timestep.convention;
  const sigmaData = edits.sigmaData ?? manifest.timestep.sigmaData;
  return {
    ...manifest,
    schedule: edits.schedule,
    timestep: {
      ...timestep,
      ...(convention !== undefined && { convention }),
      ...(convention === 'sigma' && sigmaData !== undefined && { sigmaData }),
    },
    // EDM's preconditioned output is x̂_0 (core/timestep/convention.ts).
    prediction: { ...manifest.prediction, type: convention === 'sigma' ? 'sample' : edits.prediction },
    blocks,
    ...(skips && { skips }),
    ...(extraInputs && { extraInputs }),
  };
}

/** The manifest as a file: pretty JSON that `npm run cli -- validate` accepts. */
export function manifestFile(manifest: Manifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
