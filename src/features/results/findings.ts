/**
 * @file The finding of a probe or a sweep in one sentence: the best block and t, set against a
 * probe on the raw pixels of the same images and against the shallowest block. Pure, so the
 * wording is unit-tested; the numbers come from the grid and the baseline probes as they are.
 */
import type { BaselineResult } from '../../state/results';

const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

/** "3.1 points above …" / "0.4 points below …" / "level with …", in percentage points. */
function against(best: number, other: number, what: string): string {
  const diff = Math.round((best - other) * 1000) / 10;
  if (diff === 0) return `level with ${what} (${pct(other)})`;
  return `${Math.abs(diff).toFixed(1)} points ${diff > 0 ? 'above' : 'below'} ${what} (${pct(other)})`;
}

/** A computed comparison as a clause; null while it runs or when it did not finish. */
function baselineText(b: BaselineResult | null, best: number, what: string): string | null {
  if (!b || b.accuracy === null) return null;
  return against(best, b.accuracy, what);
}

/** Comparisons still running or not finished, as a closing remark. */
function pendingText(items: { b: BaselineResult | null; what: string }[]): string {
  const running = items.filter((i) => i.b?.status === 'running').map((i) => i.what);
  const missing = items
    .filter((i) => i.b && i.b.status !== 'running' && i.b.accuracy === null)
    .map((i) => i.what);
  const parts = [
    running.length ? `${joinClauses(running)}: still computing` : '',
    missing.length ? `${joinClauses(missing)}: not computed` : '',
  ].filter(Boolean);
  return parts.length ? ` (${parts.join('; ')})` : '';
}

function joinClauses(clauses: string[]): string {
  if (clauses.length <= 1) return clauses.join('');
  return `${clauses.slice(0, -1).join(', ')} and ${clauses.at(-1)}`;
}

export interface ProbeFindingInput {
  blocks: readonly string[];
  timesteps: readonly number[];
  testAccuracy: number;
  nTest: number;
  pixels: BaselineResult | null;
  /** The shallowest block's probe on the same images and t; null when it is one of `blocks`. */
  shallow: (BaselineResult & { block: string }) | null;
}

/**
 * @example probeFinding({ blocks: ['up1_0'], timesteps: [25], testAccuracy: 0.84, nTest: 200,
 *   pixels: { accuracy: 0.805, status: 'done' }, shallow: null })
 * // "up1_0 at t = 25 classifies 84.0% of 200 test images correctly: 3.5 points above raw pixels
 * //  of the same images (80.5%)."
 */
export function probeFinding(p: ProbeFindingInput): string {
  const where = `${p.blocks.join(' + ')} at t = ${p.timesteps.join(', ')}`;
  const head = `${where} classifies ${pct(p.testAccuracy)} of ${p.nTest} test images correctly`;
  const shallowWhat = p.shallow ? `the shallowest block, ${p.shallow.block}, at the same t` : '';
  const clauses = [
    baselineText(p.pixels, p.testAccuracy, 'raw pixels of the same images'),
    p.shallow && baselineText(p.shallow, p.testAccuracy, shallowWhat),
  ].filter((c): c is string => Boolean(c));
  const pending = pendingText([
    { b: p.pixels, what: 'raw pixels' },
    { b: p.shallow, what: p.shallow?.block ?? '' },
  ]);
  return `${head}${clauses.length ? `: ${joinClauses(clauses)}` : ''}${pending}.`;
}

export interface SweepFindingInput {
  blocks: number;
  timesteps: number;
  /** Cells computed (fewer than blocks × timesteps when the sweep was stopped); absent: all. */
  computed?: number;
  /** The cell the sweep chose by validation accuracy, and its one test evaluation. */
  chosen: { block: string; t: number; validationAccuracy: number; testAccuracy: number };
  nTest: number;
  pixels: BaselineResult | null;
  /** The shallowest block swept, at the chosen t (null when it is the chosen cell). */
  shallow: (BaselineResult & { block: string }) | null;
}

/**
 * @example sweepFinding({ blocks: 16, timesteps: 2,
 *   chosen: { block: 'up1_0', t: 25, validationAccuracy: 0.875, testAccuracy: 0.86 }, nTest: 150,
 *   pixels: { accuracy: 0.81, status: 'done' }, shallow: { block: 'down0_0', accuracy: 0.75, status: 'done' } })
 * // "Of 16 blocks × 2 timesteps, up1_0 at t = 25 is best on the validation images (87.5%); on 150
 * //  test images it scores 86.0%: 5.0 points above raw pixels of the same images (81.0%) and 11.0
 * //  points above the shallowest block, down0_0, at t = 25 (75.0%)."
 * With `computed: 3` it opens "Of 3 of 32 cells (16 blocks × 2 timesteps; the sweep was stopped), …".
 */
export function sweepFinding(s: SweepFindingInput): string {
  const { chosen } = s;
  const total = s.blocks * s.timesteps;
  const grid = `${s.blocks} block${s.blocks === 1 ? '' : 's'} × ${s.timesteps} timestep${s.timesteps === 1 ? '' : 's'}`;
  // A stopped sweep speaks of the cells it has, never of the whole grid.
  const of =
    s.computed !== undefined && s.computed < total
      ? `Of ${s.computed} of ${total} cells (${grid}; the sweep was stopped)`
      : `Of ${grid}`;
  const head =
    `${of}, ` +
    `${chosen.block} at t = ${chosen.t} is best on the validation images (${pct(chosen.validationAccuracy)}); ` +
    `on ${s.nTest} test images it scores ${pct(chosen.testAccuracy)}`;
  const shallowWhat = s.shallow ? `the shallowest block, ${s.shallow.block}, at t = ${chosen.t}` : '';
  const clauses = [
    baselineText(s.pixels, chosen.testAccuracy, 'raw pixels of the same images'),
    s.shallow && baselineText(s.shallow, chosen.testAccuracy, shallowWhat),
  ].filter((c): c is string => Boolean(c));
  const pending = pendingText([
    { b: s.pixels, what: 'raw pixels' },
    { b: s.shallow, what: s.shallow?.block ?? '' },
  ]);
  return `${head}${clauses.length ? `: ${joinClauses(clauses)}` : ''}${pending}.`;
}

/**
 * What a neural head adds over the linear probe on the same block, t and images, in one sentence.
 *
 * @example headAddsText({ head: 'attention', block: 'up1_0', t: 10, testAccuracy: 0.883,
 *   linearTestAccuracy: 0.862 })
 * // "The attention head adds 2.1 points at up1_0, t = 10: 88.3% against 86.2% for the linear probe
 * //  on the same test images."
 */
export function headAddsText(p: {
  head: 'mlp' | 'attention';
  block: string;
  /** One t, or several said together ("25, 100"). */
  t: number | string;
  testAccuracy: number | null;
  linearTestAccuracy: number | null;
}): string | null {
  if (p.testAccuracy === null || p.linearTestAccuracy === null) return null;
  const noun = p.head === 'mlp' ? 'The MLP head' : 'The attention head';
  const diff = Math.round((p.testAccuracy - p.linearTestAccuracy) * 1000) / 10;
  const verb =
    diff > 0
      ? `adds ${diff.toFixed(1)} points`
      : diff < 0
        ? `loses ${(-diff).toFixed(1)} points`
        : 'adds nothing';
  return `${noun} ${verb} at ${p.block}, t = ${p.t}: ${pct(p.testAccuracy)} against ${pct(p.linearTestAccuracy)} for the linear probe on the same test images.`;
}
