import { describe, expect, it } from 'vitest';
import { probeFinding, sweepFinding } from './findings';

describe('probeFinding', () => {
  it('sets the probe against raw pixels and the shallowest block, in points', () => {
    expect(
      probeFinding({
        blocks: ['up1_0'],
        timesteps: [25],
        testAccuracy: 0.84,
        nTest: 200,
        pixels: { accuracy: 0.805, status: 'done' },
        shallow: { block: 'down0_0', accuracy: 0.75, status: 'done' },
      }),
    ).toBe(
      'up1_0 at t = 25 classifies 84.0% of 200 test images correctly: 3.5 points above raw pixels of the same images (80.5%) and 9.0 points above the shallowest block, down0_0, at the same t (75.0%).',
    );
  });

  it('says below, level, still computing and not computed', () => {
    const text = probeFinding({
      blocks: ['mid', 'up1_0'],
      timesteps: [0, 25],
      testAccuracy: 0.8,
      nTest: 50,
      pixels: { accuracy: 0.82, status: 'done' },
      shallow: { block: 'down0_0', accuracy: null, status: 'running' },
    });
    expect(text).toBe(
      'mid + up1_0 at t = 0, 25 classifies 80.0% of 50 test images correctly: 2.0 points below raw pixels of the same images (82.0%) (down0_0: still computing).',
    );
    expect(
      probeFinding({
        blocks: ['down0_0'],
        timesteps: [5],
        testAccuracy: 0.7,
        nTest: 10,
        pixels: { accuracy: 0.7, status: 'done' },
        shallow: null,
      }),
    ).toBe(
      'down0_0 at t = 5 classifies 70.0% of 10 test images correctly: level with raw pixels of the same images (70.0%).',
    );
    expect(
      probeFinding({
        blocks: ['mid'],
        timesteps: [5],
        testAccuracy: 0.7,
        nTest: 10,
        pixels: { accuracy: null, status: 'stopped' },
        shallow: null,
      }),
    ).toBe('mid at t = 5 classifies 70.0% of 10 test images correctly (raw pixels: not computed).');
  });
});

describe('sweepFinding', () => {
  it('names the chosen cell, its test accuracy and both comparisons', () => {
    expect(
      sweepFinding({
        blocks: 16,
        timesteps: 2,
        chosen: { block: 'up1_0', t: 25, validationAccuracy: 0.875, testAccuracy: 0.86 },
        nTest: 150,
        pixels: { accuracy: 0.81, status: 'done' },
        shallow: { block: 'down0_0', accuracy: 0.75, status: 'done' },
      }),
    ).toBe(
      'Of 16 blocks × 2 timesteps, up1_0 at t = 25 is best on the validation images (87.5%); on 150 test images it scores 86.0%: 5.0 points above raw pixels of the same images (81.0%) and 11.0 points above the shallowest block, down0_0, at t = 25 (75.0%).',
    );
  });

  it('leaves out what it does not have, and says what is still running', () => {
    expect(
      sweepFinding({
        blocks: 1,
        timesteps: 1,
        chosen: { block: 'mid', t: 0, validationAccuracy: 0.6, testAccuracy: 0.5 },
        nTest: 20,
        pixels: { accuracy: null, status: 'running' },
        shallow: null,
      }),
    ).toBe(
      'Of 1 block × 1 timestep, mid at t = 0 is best on the validation images (60.0%); on 20 test images it scores 50.0% (raw pixels: still computing).',
    );
  });
});

describe('sweepFinding of a stopped sweep', () => {
  it('speaks of the N of M cells computed, not of the whole grid', () => {
    expect(
      sweepFinding({
        blocks: 16,
        timesteps: 5,
        computed: 1,
        chosen: { block: 'down0_0', t: 0, validationAccuracy: 0.7, testAccuracy: 0.65 },
        nTest: 100,
        pixels: null,
        shallow: null,
      }),
    ).toBe(
      'Of 1 of 80 cells (16 blocks × 5 timesteps; the sweep was stopped), down0_0 at t = 0 is best on the validation images (70.0%); on 100 test images it scores 65.0%.',
    );
  });
});
