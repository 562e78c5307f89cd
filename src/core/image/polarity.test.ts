import { describe, expect, it } from 'vitest';
import { decidePolarity, describePolarity, type PolarityDecision, summarisePolarity } from './polarity';

/** An h×w grey image from f(x, y). */
function image(h: number, w: number, f: (x: number, y: number) => number): Float32Array {
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = f(x, y);
  return out;
}

/** A textured garment-like blob (levels 150…230) on `ground`, in the middle of a 28×28 image. */
const garment = (ground: number) =>
  image(28, 28, (x, y) => (x >= 7 && x < 21 && y >= 3 && y < 25 ? 150 + ((x * 7 + y * 13) % 80) : ground));
const negative = (a: Float32Array) => a.map((v) => 255 - v);
const decide = (a: Float32Array, h = 28, w = 28) => decidePolarity(a, h, w, 'auto');

describe('decidePolarity', () => {
  it('both polarities of the same image: kept light-on-dark, inverted dark-on-light', () => {
    expect(decide(garment(0))).toMatchObject({ inverted: false, reason: 'dark-background', background: 0 });
    expect(decide(negative(garment(0)))).toMatchObject({
      inverted: true,
      reason: 'light-background',
      background: 255,
      nearTie: false,
    });
  });

  it('a garment that touches every edge: the flat ground wins over the textured object', () => {
    // Fashion-MNIST's bags fill the frame: ~60% of the border is garment, spread over many levels.
    const bag = image(28, 28, (x, y) => (x >= 2 && x < 26 ? 120 + ((x * 31 + y * 17) % 130) : 0));
    expect(decide(bag)).toMatchObject({ inverted: false, reason: 'dark-background' });
    expect(decide(negative(bag))).toMatchObject({ inverted: true, reason: 'light-background' });
  });

  it('near-ties are explicit: a mid-grey ground, decided by the centre', () => {
    const darkOnGrey = image(28, 28, (x, y) => (x >= 8 && x < 20 && y >= 8 && y < 20 ? 20 : 128));
    const lightOnGrey = image(28, 28, (x, y) => (x >= 8 && x < 20 && y >= 8 && y < 20 ? 240 : 128));
    expect(decide(darkOnGrey)).toMatchObject({ inverted: true, reason: 'near-tie', nearTie: true });
    expect(decide(lightOnGrey)).toMatchObject({ inverted: false, reason: 'near-tie', nearTie: true });
  });

  it('near-ties are explicit: a border split between light and dark', () => {
    // Left half black, right half white; a dark object in the middle.
    const split = image(28, 28, (x, y) => (x >= 10 && x < 18 && y >= 10 && y < 18 ? 10 : x < 14 ? 0 : 255));
    const d = decide(split);
    expect(d).toMatchObject({ reason: 'near-tie', nearTie: true });
    expect(d.background).toBeCloseTo(127.5, 5);
  });

  it('the levels on either side of the margin of doubt', () => {
    const on = (ground: number) =>
      decide(image(28, 28, (x, y) => (x > 9 && x < 18 && y > 9 && y < 18 ? 255 - ground : ground)));
    expect(on(96)).toMatchObject({ reason: 'dark-background', inverted: false });
    expect(on(97).reason).toBe('near-tie');
    expect(on(159).reason).toBe('near-tie');
    expect(on(160)).toMatchObject({ reason: 'light-background', inverted: true });
  });

  it('bad inputs each get a decision and a reason: all black, all white, uniform grey, 1×1', () => {
    const black = decide(new Float32Array(28 * 28));
    const white = decide(new Float32Array(28 * 28).fill(255));
    const grey = decide(new Float32Array(28 * 28).fill(128));
    const one = decidePolarity([200], 1, 1, 'auto');
    expect(black).toMatchObject({ inverted: false, reason: 'uniform', nearTie: false });
    expect(white).toMatchObject({ inverted: true, reason: 'uniform', nearTie: false });
    expect(grey).toMatchObject({ inverted: false, reason: 'uniform', nearTie: true });
    expect(one).toMatchObject({ inverted: true, reason: 'uniform' });
    for (const d of [black, white, grey, one]) expect(describePolarity(d)).toMatch(/uniform/);
  });

  it('a framed photo: the frame is skipped and the ground inside it decides', () => {
    // A 2-px black frame, a white ground, a dark object.
    const framed = image(28, 28, (x, y) =>
      x < 2 || y < 2 || x > 25 || y > 25 ? 0 : x >= 9 && x < 19 && y >= 6 && y < 22 ? 40 : 240,
    );
    expect(decide(framed)).toMatchObject({ inverted: true, reason: 'light-background', frame: 2 });
    // A frame blurred by resampling: a line of mixed level between the frame and the ground.
    const blurred = image(28, 28, (x, y) => {
      const d = Math.min(x, y, 27 - x, 27 - y);
      return d === 0 ? 10 : d === 1 ? 120 : x >= 9 && x < 19 && y >= 6 && y < 22 ? 40 : 240;
    });
    expect(decide(blurred)).toMatchObject({ inverted: true, frame: 2 });
    expect(describePolarity(decide(framed))).toBe(
      'inverted: light background (level 240), inside a frame of 2 px',
    );
  });

  it('dark margins on two sides only are not a frame (a garment filling the image)', () => {
    const wide = image(28, 28, (x) => (x < 3 || x > 24 ? 0 : 200 + (x % 3)));
    expect(decide(wide)).toMatchObject({ frame: 0, inverted: false, reason: 'dark-background' });
  });

  it('always and never are not estimated', () => {
    const a: PolarityDecision = decidePolarity(garment(0), 28, 28, 'always');
    expect(a).toMatchObject({ inverted: true, reason: 'always', background: null });
    expect(decidePolarity(negative(garment(0)), 28, 28, 'never')).toMatchObject({
      inverted: false,
      reason: 'never',
    });
  });
});

describe('summarisePolarity', () => {
  const d = (
    inverted: boolean,
    nearTie = false,
    mode: 'auto' | 'always' | 'never' = 'auto',
  ): PolarityDecision => ({
    mode,
    inverted,
    reason: mode === 'auto' ? (inverted ? 'light-background' : 'dark-background') : mode,
    background: null,
    nearTie,
    frame: 0,
  });
  it('says how many were inverted and why, as the CLI and the browser print it', () => {
    expect(summarisePolarity(Array.from({ length: 10_000 }, () => d(false)))).toBe(
      'inverted 0 of 10,000 images (light-on-dark already)',
    );
    expect(summarisePolarity([d(true), d(true)])).toBe('inverted 2 of 2 images (light background)');
    expect(summarisePolarity([d(true), d(false), d(false, true)])).toBe(
      'inverted 1 of 3 images (light background); 2 kept (dark background); 1 near-tie (decided by the centre)',
    );
    expect(summarisePolarity([d(true, false, 'always')])).toBe('inverted 1 of 1 image (invert: always)');
  });
});
