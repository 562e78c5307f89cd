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
  ManifestSkip,
  PredictionType,
  PredictionVariance,
  TimestepConvention,
} from '../../core/manifest/types';
import { skipsBetween } from '../../core/onnx/discover';
import type { BlockCandidate, BlockSkip } from '../../worker/jobs';

export interface ModelEdits {
  /** Block names, any order; the manifest lists them in forward order. */
  blocks: readonly string[];
  schedule: ManifestSchedule;
  prediction: PredictionType;
  /**
   * How the last C channels of a 2·C-channel prediction output are read; only for a model whose
   * output has them (absent: the manifest's own setting stays).
   */
  variance?: PredictionVariance;
  /** Value fed to each extra input, by input name. */
  extraValues: Readonly<Record<string, number>>;
  /** Edited extra inputs (class feeds, embeddings), replacing the manifest's entries of the same name. */
  extraInputs?: readonly ManifestExtraInput[];
  /** What the timestep input takes (stated explicitly once chosen here); σ_data for `sigma`. */
  convention?: TimestepConvention;
  sigmaData?: number;
}

/**
 * The manifest with the edits applied; blocks keep forward order (candidates' order first). Skips:
 * the manifest's own between blocks still picked, and the graph's (`skipEdges`, from discovery)
 * drawn between the picked candidates.
 */
export function editManifest(
  manifest: Manifest,
  candidates: readonly BlockCandidate[],
  edits: ModelEdits,
  skipEdges: readonly BlockSkip[] = [],
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
  const skips = unionSkips(
    manifest.skips?.filter((s) => names.has(s.from) && names.has(s.to)) ?? [],
    skipsBetween(
      candidates.flatMap((c) =>
        names.has(c.name) && c.position !== undefined ? [{ name: c.name, position: c.position }] : [],
      ),
      skipEdges,
    ),
  );
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
    prediction: {
      ...manifest.prediction,
      // EDM's preconditioned output is x̂_0 (core/timestep/convention.ts).
      type: convention === 'sigma' ? 'sample' : edits.prediction,
      ...(edits.variance && manifest.prediction.variance && { variance: edits.variance }),
    },
    blocks,
    ...((skips.length > 0 || manifest.skips) && { skips }),
    ...(extraInputs && { extraInputs }),
  };
}

function unionSkips(a: readonly ManifestSkip[], b: readonly ManifestSkip[]): ManifestSkip[] {
  const seen = new Set(a.map((s) => `${s.from}\n${s.to}`));
  return [...a, ...b.filter((s) => !seen.has(`${s.from}\n${s.to}`))];
}

/** The manifest as a file: pretty JSON that `npm run cli -- validate` accepts. */
export function manifestFile(manifest: Manifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}
