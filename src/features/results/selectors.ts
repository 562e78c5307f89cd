/**
 * @file The findings of the probe and the sweep on screen, as sentences (null until there is a
 * result to speak of). The panels and the tour read the same text.
 */
import { computedCells } from '../../pipeline/sweep-grid';
import type { AppState } from '../../state/store';
import { headAddsText, probeFinding, sweepFinding } from './findings';

export function probeFindingText(s: AppState): string | null {
  const run = s.probe;
  const r = run?.result;
  if (!run || !r || run.status !== 'done' || r.testAccuracy === null) return null;
  const baselines = s.baselines.probe?.forResult === r ? s.baselines.probe : null;
  const finding = probeFinding({
    blocks: run.spec.blocks,
    timesteps: run.spec.timesteps,
    testAccuracy: r.testAccuracy,
    nTest: run.spec.data.sizes.test,
    pixels: baselines?.pixels ?? null,
    shallow: baselines?.shallow ?? null,
  });
  const adds = run.head
    ? headAddsText({
        head: run.head.kind,
        block: run.spec.blocks.join(' + '),
        t: run.spec.timesteps.join(', '),
        testAccuracy: r.testAccuracy,
        linearTestAccuracy: baselines?.linear?.accuracy ?? null,
      })
    : null;
  return adds ? `${adds} ${finding}` : finding;
}

export function sweepFindingText(s: AppState): string | null {
  const sweep = s.sweep;
  const chosen = sweep?.grid.chosen;
  if (!sweep || sweep.status === 'running' || !chosen || chosen.testAccuracy === null) return null;
  const { grid } = sweep;
  const baselines = s.baselines.sweep?.forGrid === grid ? s.baselines.sweep : null;
  const finding = sweepFinding({
    blocks: grid.spec.blocks.length,
    timesteps: grid.spec.timesteps.length,
    computed: computedCells(grid),
    chosen: { ...chosen, testAccuracy: chosen.testAccuracy },
    nTest: grid.spec.data.sizes.test,
    pixels: baselines?.pixels ?? null,
    shallow: baselines?.shallow ?? null,
  });
  const adds = grid.head
    ? headAddsText({
        head: grid.head.kind,
        block: chosen.block,
        t: chosen.t,
        testAccuracy: chosen.testAccuracy,
        linearTestAccuracy: chosen.linearTestAccuracy ?? null,
      })
    : null;
  return adds ? `${finding} ${adds}` : finding;
}
