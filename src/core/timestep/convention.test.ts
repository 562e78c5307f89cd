import { describe, expect, it } from 'vitest';
import { DiffProbeError } from '../errors';
import { DEFAULT_SCHEDULE } from '../onnx/discover-manifest';
import { scheduleFromManifest } from '../schedule';
import { batchTimestepFeed, mapPrediction, scaleImages, timestepDims } from './batch-feed';
import { describeFeed, edmCoefficients, sigmaOf, timestepFeed } from './convention';
import { type ConventionErrors, checkVerdict, conventionMismatch, feedGroups } from './denoising-check';

// DDPM's linear 1e-4 → 0.02 over T = 1000.
const abar = scheduleFromManifest(DEFAULT_SCHEDULE).alphasCumprod;

describe('timestep conventions', () => {
  it('feeds t, t/T and t·1000/T', () => {
    expect(timestepFeed('index', 100, 1000, abar[100]).value).toBe(100);
    expect(timestepFeed('fraction', 100, 1000, abar[100]).value).toBe(0.1);
    expect(timestepFeed('scaled', 25, 250, abar[25]).value).toBe(100);
    expect(timestepFeed('scaled', 100, 1000, abar[100]).value).toBe(100);
  });

  it('EDM coefficients as in Karras et al. 2022, Table 1 (NVlabs/edm EDMPrecond)', () => {
    const s = 0.7;
    const d = 0.5;
    const c = edmCoefficients(s, d);
    expect(c.cSkip).toBeCloseTo(d ** 2 / (s ** 2 + d ** 2), 15);
    expect(c.cOut).toBeCloseTo((s * d) / Math.sqrt(s ** 2 + d ** 2), 15);
    expect(c.cIn).toBeCloseTo(1 / Math.sqrt(d ** 2 + s ** 2), 15);
    expect(c.cNoise).toBeCloseTo(Math.log(s) / 4, 15);
    // The denoiser is exact for a network that predicts its target: with F* = (x_0 − c_skip·x_σ)/c_out,
    // D = c_skip·x_σ + c_out·F* = x_0 at any σ.
    const x0 = 0.3;
    const xs = x0 + s * -1.2;
    expect(c.cSkip * xs + c.cOut * ((x0 - c.cSkip * xs) / c.cOut)).toBeCloseTo(x0, 15);
  });

  it('maps the VP step to σ: x_σ = x_t/√ᾱ, the graph fed c_in·x_σ, its output read as D', () => {
    const t = 100;
    const a = abar[t];
    const sigma = sigmaOf(a);
    expect(sigma).toBeCloseTo(Math.sqrt((1 - a) / a), 15);
    const f = timestepFeed('sigma', t, 1000, a, 0.5);
    const c = edmCoefficients(sigma, 0.5);
    expect(f.value).toBe(c.cNoise);
    expect(f.inputScale).toBeCloseTo(c.cIn / Math.sqrt(a), 15);
    expect(f.outputSkip).toBeCloseTo(c.cSkip / Math.sqrt(a), 15);
    expect(f.outputScale).toBe(c.cOut);
    // x_t = √ᾱ·x_0 + √(1−ᾱ)·ε is x_σ = x_0 + σ·ε scaled by √ᾱ.
    const [x0, e] = [0.4, 0.9];
    const xt = Math.sqrt(a) * x0 + Math.sqrt(1 - a) * e;
    expect(xt / Math.sqrt(a)).toBeCloseTo(x0 + sigma * e, 14);
  });

  it('refuses σ = 0 (ᾱ = 1), where c_noise = ¼·ln σ is −∞', () => {
    expect(() => timestepFeed('sigma', 0, 10, 1)).toThrow(DiffProbeError);
  });

  it('says what is fed', () => {
    expect(describeFeed('index', 100, 1000, abar[100], 'int64')).toBe('t = 100 fed as the integer 100');
    expect(describeFeed('index', 100, 1000, abar[100], 'float32')).toBe(
      't = 100 fed as the integer 100 (as float32)',
    );
    expect(describeFeed('fraction', 100, 1000, abar[100], 'float32')).toBe('t = 100 fed as t/T = 0.1');
    expect(describeFeed('sigma', 100, 1000, abar[100], 'float32')).toBe(
      't = 100 fed as σ = 0.34 (c_noise = ¼·ln σ = −0.27; x scaled by c_in/√ᾱ = 1.74)',
    );
  });

  it('groups conventions that feed the same numbers', () => {
    expect(feedGroups(['index', 'fraction', 'scaled', 'sigma'], [50, 500], abar)).toEqual([
      ['index', 'scaled'],
      ['fraction'],
      ['sigma'],
    ]);
    const respaced = abar.filter((_, i) => i % 4 === 0);
    expect(feedGroups(['index', 'scaled'], [10], respaced)).toEqual([['index'], ['scaled']]);
  });
});

describe('batchTimestepFeed', () => {
  const ts = (rank: 0 | 1 | 2 | 4) => ({ name: 't', dtype: 'float32' as const, rank });

  it('shapes the timestep [], [N], [N, 1] or [N, 1, 1, 1]', () => {
    expect(timestepDims(0, 3)).toEqual([]);
    expect(batchTimestepFeed(ts(1), [5, 5, 5], 3, abar).dims).toEqual([3]);
    expect(batchTimestepFeed(ts(2), [5, 5, 5], 3, abar).dims).toEqual([3, 1]);
    expect(batchTimestepFeed(ts(4), [5, 5, 5], 3, abar).dims).toEqual([3, 1, 1, 1]);
    const scalar = batchTimestepFeed(ts(0), [5, 5, 5], 3, abar);
    expect(scalar).toMatchObject({ values: [5], dims: [], scales: null });
    expect(() => batchTimestepFeed(ts(0), [5, 6], 2, abar)).toThrow(/one scalar timestep per batch/);
    expect(() => batchTimestepFeed(ts(1), [1000], 1, abar)).toThrow(/outside 0…999/);
  });

  it('scales images and maps outputs per image under σ', () => {
    const feed = batchTimestepFeed({ ...ts(1), convention: 'sigma' }, [10, 900], 2, abar);
    const f10 = timestepFeed('sigma', 10, 1000, abar[10]);
    expect(feed.values).toEqual([f10.value, timestepFeed('sigma', 900, 1000, abar[900]).value]);
    const xt = Float32Array.of(1, 2, 3, 4);
    const scaled = scaleImages(xt, 2, feed.scales!.input);
    expect(scaled[1]).toBeCloseTo(2 * f10.inputScale, 5);
    // A learned-variance output ([prediction | variance]): only the prediction is mapped.
    const out = Float32Array.of(1, 1, 9, 9, 1, 1, 9, 9);
    mapPrediction(out, xt, 2, feed.scales!.outputSkip, feed.scales!.outputScale);
    expect(out[0]).toBeCloseTo(f10.outputSkip * 1 + f10.outputScale * 1, 5);
    expect([out[2], out[3], out[6], out[7]]).toEqual([9, 9, 9, 9]);
  });
});

describe('checkVerdict', () => {
  const row = (convention: ConventionErrors['convention'], score: number): ConventionErrors => ({
    convention,
    same: [convention],
    type: 'epsilon',
    relative: [score],
    mse: [score],
    score,
  });
  it('recommends the lowest error and says how clear the margin is', () => {
    expect(checkVerdict([row('fraction', 0.5), row('index', 0.05)])).toMatchObject({
      clarity: 'clear',
      best: 'index',
      margin: 10,
    });
    expect(checkVerdict([row('index', 0.1), row('fraction', 0.2)]).clarity).toBe('likely');
    expect(checkVerdict([row('index', 0.1), row('fraction', 0.12)])).toMatchObject({
      clarity: 'cannot-tell',
      best: null,
    });
    expect(checkVerdict([row('index', 0.9), row('fraction', 5)])).toMatchObject({
      clarity: 'cannot-tell',
      best: null,
    });
    expect(checkVerdict([row('index', 0.1), row('sigma', Number.POSITIVE_INFINITY)]).text).toBe(
      'Clearly index: sigma gives NaN or Inf.',
    );
  });
  it('says when the model is fed under another convention than the check finds', () => {
    const rows = [row('sigma', 0.05), { ...row('index', 0.9), same: ['index', 'scaled'] as const }];
    const verdict = checkVerdict(rows);
    expect(conventionMismatch(rows, verdict, 'index')).toBe(
      'The model is fed under index now, but it denoises under sigma, 18× lower error than under index: features computed under index are at the wrong noise level.',
    );
    expect(conventionMismatch(rows, verdict, 'sigma')).toBeNull();
    const indexRows = [row('sigma', 0.9), { ...row('index', 0.05), same: ['index', 'scaled'] as const }];
    // scaled feeds the same numbers as index here: no mismatch.
    expect(conventionMismatch(indexRows, checkVerdict(indexRows), 'scaled')).toBeNull();
    const flat = [row('sigma', 0.9), row('index', 0.95)];
    expect(conventionMismatch(flat, checkVerdict(flat), 'index')).toBeNull();
  });
});
