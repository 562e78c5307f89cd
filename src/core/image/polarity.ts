/**
 * @file Polarity: is this image light-on-dark (like the data set) or dark-on-light (like a product
 * photo)? Decided per image, from the image itself, so that a data-set image exported to PNG is
 * never turned into its negative while a photo of a dark garment on white still is.
 *
 * The estimate is made on the image at the model's scale (after alpha over white, grayscale or
 * luma and the cover-resize; before the centre-crop, so that a frame or a background is not cut off
 * on two sides, and before inversion and normalisation), so an image gives the same decision
 * whichever way it arrives (a 28×28 PNG, the same pixels in an IDX file, a 112×112 JPEG).
 *
 * The background is what the outer ring of pixels mostly shows: the modal bin of an 8-bin
 * histogram of the ring, not its mean or median, because objects are textured and backgrounds are
 * flat. A garment that fills the frame (Fashion-MNIST's bags and pullovers touch every edge) spreads
 * its pixels over several bins while the background's exact zeros fill one. A flat outer line that
 * differs strongly from the line inside it is a frame (a photo with a passe-partout) and is
 * skipped, side by side. Doubtful cases are explicit (`nearTie`): a mid-grey background, or a border split
 * between a light and a dark mode; they are settled by the centre's contrast with the border (a
 * darker centre is a dark object on a lighter ground), and a flat image with no contrast is kept.
 * Measured on Fashion-MNIST and on photos: see docs/images.md and tools/images/polarity.ts.
 */

/** The manifest's `preprocessing.invert`: decide per image, invert every image, or none. */
export type InvertMode = 'auto' | 'always' | 'never';

export const INVERT_MODES: readonly InvertMode[] = ['auto', 'always', 'never'];

/** Why an image was or was not inverted. */
export type PolarityReason =
  /** The border is mostly light: a dark object on a light ground (a photo); inverted. */
  | 'light-background'
  /** The border is mostly dark: light-on-dark already (the data set's own images); kept. */
  | 'dark-background'
  /** The border's light and dark modes, or its mid-grey level, are too close to call: the centre decided. */
  | 'near-tie'
  /** The whole image is (nearly) one level: light is taken as an empty light ground, else kept. */
  | 'uniform'
  /** `invert: always` / `never`: not estimated. */
  | 'always'
  | 'never';

export interface PolarityDecision {
  readonly mode: InvertMode;
  readonly inverted: boolean;
  readonly reason: PolarityReason;
  /** Estimated background level (0…255, luma, before inversion); null under always / never. */
  readonly background: number | null;
  /** True when the estimate fell within the margin of doubt (a near-tie or a mid-grey uniform image). */
  readonly nearTie: boolean;
  /** The widest frame of another colour skipped on a side, in pixels at the model's size (0 when none). */
  readonly frame: number;
}

/** Background levels at or below DARK are dark, at or above LIGHT light; between them, doubt. */
export const DARK = 96;
export const LIGHT = 160;
/** A second mode on the other side of 128 with at least this share of the first one's pixels ties. */
const TIE_SHARE = 0.75;
/** A centre within this many levels of the border is no contrast at all. */
const FLAT_CONTRAST = 12;
/** Levels within this distance of a line's median count as the same level (noise, JPEG). */
const FLAT_TOLERANCE = 16;
/** A line is flat (a frame candidate) when this share of its pixels is within FLAT_TOLERANCE of its median. */
const FRAME_FLAT = 0.9;
/** Lines between a frame's flat outer line and the ground, blurred by resampling, are this flat. */
const FRAME_BLUR = 0.75;
/** …and a frame when a line inside differs from it by at least this many levels. */
const FRAME_STEP = 64;

type Side = 'top' | 'bottom' | 'left' | 'right';
const SIDES: readonly Side[] = ['top', 'bottom', 'left', 'right'];

/**
 * Positions (row-major) of one side's line `d` pixels in from the edge, between the lines at the
 * same depth of its neighbouring sides (as a ring would run), so a frame's corners stay out of it.
 */
function line(h: number, w: number, side: Side, d: number): number[] {
  const out: number[] = [];
  if (side === 'top' || side === 'bottom') {
    const y = side === 'top' ? d : h - 1 - d;
    for (let x = d; x < w - d; x++) out.push(y * w + x);
  } else {
    const x = side === 'left' ? d : w - 1 - d;
    for (let y = d; y < h - d; y++) out.push(y * w + x);
  }
  return out;
}

interface Mode {
  /** Median level of the pixels in the modal bin. */
  level: number;
  /** Share of the pixels in the modal bin. */
  share: number;
  /** The best mode on the other side of 128 (share of pixels), or null. */
  rival: { level: number; share: number } | null;
}

function median(values: number[]): number {
  const s = [...values].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** A line's median level and the share of its pixels within FLAT_TOLERANCE of it. */
function flatness(values: number[]): { level: number; share: number } {
  const level = median(values);
  let near = 0;
  for (const v of values) if (Math.abs(v - level) <= FLAT_TOLERANCE) near++;
  return { level, share: near / values.length };
}

/** The modal bin of an 8-bin histogram of `values`, and its strongest rival across mid-grey. */
function modeOf(values: number[]): Mode {
  const bins: number[][] = Array.from({ length: 8 }, () => []);
  for (const v of values) bins[Math.min(7, Math.max(0, Math.floor(v / 32)))].push(v);
  let top = 0;
  for (let i = 1; i < 8; i++) if (bins[i].length > bins[top].length) top = i;
  const other = top < 4 ? [4, 5, 6, 7] : [0, 1, 2, 3];
  let rival = other[0];
  for (const i of other) if (bins[i].length > bins[rival].length) rival = i;
  const n = values.length;
  return {
    level: median(bins[top]),
    share: bins[top].length / n,
    rival: bins[rival].length ? { level: median(bins[rival]), share: bins[rival].length / n } : null,
  };
}

/**
 * Decides whether to invert one image.
 *
 * @param luma the image's grey levels (0…255, luma for colour) at the model's scale, row-major h×w.
 * @example decidePolarity(plane, 28, 28, 'auto') // { inverted: false, reason: 'dark-background', … } for a Fashion-MNIST image
 */
export function decidePolarity(
  luma: ArrayLike<number>,
  h: number,
  w: number,
  mode: InvertMode,
): PolarityDecision {
  if (mode !== 'auto')
    return { mode, inverted: mode === 'always', reason: mode, background: null, nearTie: false, frame: 0 };
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < h * w; i++) {
    lo = Math.min(lo, luma[i]);
    hi = Math.max(hi, luma[i]);
  }
  if (hi - lo <= 2 * FLAT_CONTRAST) {
    const level = (lo + hi) / 2;
    return {
      mode,
      inverted: level >= LIGHT,
      reason: 'uniform',
      background: level,
      nearTie: level > DARK && level < LIGHT,
      frame: 0,
    };
  }
  // Frames, side by side: a flat outer line with a line of a clearly different level at most an
  // eighth of the image further in.
  const maxFrame = Math.floor(Math.min(h, w) / 8);
  const levels = (positions: number[]) => positions.map((p) => luma[p]);
  const depth = SIDES.map((side) => {
    const at = (d: number) => flatness(levels(line(h, w, side, d)));
    const outer = at(0);
    if (outer.share < FRAME_FLAT) return 0;
    // The frame's outer line is flat; resampling may blur its inner edge into lines of mixed
    // levels. The ground starts at the first line of a clearly different level.
    for (let d = 1; d <= maxFrame; d++) {
      const here = at(d);
      if (Math.abs(here.level - outer.level) >= FRAME_STEP) {
        let ground = d;
        while (ground <= maxFrame && Math.abs(at(ground + 1).level - at(ground).level) >= FRAME_STEP / 2)
          ground++;
        return ground;
      }
      if (here.share < FRAME_BLUR) return 0;
    }
    return 0;
  });
  // A frame goes all the way round (the image is judged before the centre-crop, so none is cut
  // off); dark margins on two sides with a flat light line inside are a garment filling the frame.
  const framed = depth.every((d) => d > 0);
  const frame = framed ? Math.max(...depth) : 0;
  const ground = SIDES.flatMap((side, i) => levels(line(h, w, side, framed ? depth[i] : 0)));
  const border = modeOf(ground);
  const tie = border.rival !== null && border.rival.share >= TIE_SHARE * border.share;
  if (!tie && border.level <= DARK)
    return {
      mode,
      inverted: false,
      reason: 'dark-background',
      background: border.level,
      nearTie: false,
      frame,
    };
  if (!tie && border.level >= LIGHT)
    return {
      mode,
      inverted: true,
      reason: 'light-background',
      background: border.level,
      nearTie: false,
      frame,
    };
  // Doubt: the border is mid-grey or split between a light and a dark mode. The centre (the middle
  // half of each axis, where the object usually is) decides: darker than the border → a dark object.
  const reference = tie && border.rival ? (border.level + border.rival.level) / 2 : border.level;
  let sum = 0;
  let count = 0;
  for (let y = Math.floor(h / 4); y < Math.ceil((3 * h) / 4); y++)
    for (let x = Math.floor(w / 4); x < Math.ceil((3 * w) / 4); x++) {
      sum += luma[y * w + x];
      count++;
    }
  const centre = sum / count;
  const inverted = centre < reference - FLAT_CONTRAST;
  return { mode, inverted, reason: 'near-tie', background: reference, nearTie: true, frame };
}

/** A short account of one decision: "inverted: light background (level 244)". */
export function describePolarity(p: PolarityDecision): string {
  const level = p.background === null ? '' : ` (level ${Math.round(p.background)})`;
  const framed = p.frame ? `, inside a frame of ${p.frame} px` : '';
  switch (p.reason) {
    case 'always':
      return 'inverted: the setting says invert every image';
    case 'never':
      return 'not inverted: the setting says invert none';
    case 'light-background':
      return `inverted: light background${level}${framed}`;
    case 'dark-background':
      return `not inverted: dark background${level}${framed}, light-on-dark already`;
    case 'uniform':
      return p.inverted
        ? `inverted: a uniform light image${level}, taken as an empty light background`
        : `not inverted: a uniform image${level}, nothing to tell the polarity by`;
    case 'near-tie':
      return p.inverted
        ? `inverted: near-tie (border level ${Math.round(p.background ?? 0)}${framed}), the centre is darker`
        : `not inverted: near-tie (border level ${Math.round(p.background ?? 0)}${framed}), the centre is not darker`;
  }
}

/** Counts of a set of decisions, for summaries and run records. */
export interface PolarityCounts {
  total: number;
  inverted: number;
  nearTies: number;
  /** The modes the decisions were made under (one, unless a set mixes batches). */
  modes: InvertMode[];
}

export function countPolarity(decisions: readonly PolarityDecision[]): PolarityCounts {
  const modes = [...new Set(decisions.map((d) => d.mode))];
  return {
    total: decisions.length,
    inverted: decisions.filter((d) => d.inverted).length,
    nearTies: decisions.filter((d) => d.nearTie).length,
    modes,
  };
}

/**
 * One line for a set of images, the same in the browser and the CLI:
 * "inverted 0 of 10,000 images (light-on-dark already)",
 * "inverted 3 of 10 images (light background); 7 kept (dark background); 1 near-tie".
 */
export function summarisePolarity(decisions: readonly PolarityDecision[]): string {
  const { total, inverted, nearTies, modes } = countPolarity(decisions);
  const n = (v: number) => v.toLocaleString('en-US');
  const head = `inverted ${n(inverted)} of ${n(total)} image${total === 1 ? '' : 's'}`;
  if (modes.length === 1 && modes[0] !== 'auto') return `${head} (invert: ${modes[0]})`;
  const kept = total - inverted;
  const parts =
    inverted === 0
      ? [`${head} (light-on-dark already)`]
      : kept === 0
        ? [`${head} (light background)`]
        : [`${head} (light background)`, `${n(kept)} kept (dark background)`];
  if (nearTies) parts.push(`${n(nearTies)} near-tie${nearTies === 1 ? '' : 's'} (decided by the centre)`);
  return parts.join('; ');
}
