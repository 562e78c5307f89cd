import { beforeEach, describe, expect, it } from 'vitest';
import { getState, useStore } from '../../state/store';
import { A, B } from '../../state/test-models';
import { endTour, goToStep, nextStep, previousStep, startTour } from './commands';
import { TOUR_STEPS } from './steps';
import { PROBE_BLOCK, SHALLOW_BLOCK, TOUR_T } from './work';

const initial = getState();
beforeEach(() => useStore.setState(initial, true));

describe('tour', () => {
  it('has 7–9 steps, each pointing into a panel it shows', () => {
    expect(TOUR_STEPS.length).toBeGreaterThanOrEqual(7);
    expect(TOUR_STEPS.length).toBeLessThanOrEqual(9);
    for (const step of TOUR_STEPS) {
      const panel = step.target.split(' ')[0].slice(1);
      expect(step.show).toContain(panel);
    }
  });

  it('starts only on the default model with its data, and says why not', () => {
    startTour();
    expect(getState().tour).toBeNull();
    expect(getState().notices.at(-1)?.title).toBe('The tour needs the default model');
    getState().switchModel(B, false);
    getState().setDataset({} as never);
    startTour();
    expect(getState().tour).toBeNull();
    expect(getState().notices.at(-1)?.text).toMatch(/Default model/);
  });

  it('sets the view of each step through the store, and moves by next / back / end', () => {
    getState().switchModel(A, true);
    getState().setDataset({} as never);
    startTour();
    expect(getState().tour).toEqual({ step: 0 });
    expect(getState().view).toMatchObject({ t: 200, blocks: [PROBE_BLOCK], images: ['test:0'] });
    previousStep();
    expect(getState().tour).toEqual({ step: 0 });
    nextStep();
    expect(getState().view.t).toBe(TOUR_T);
    nextStep();
    // Encoder vs decoder: the shallow block, compared with the mid-decoder block at the same t.
    expect(getState().view.blocks).toEqual([SHALLOW_BLOCK]);
    expect(getState().compare).toEqual({ block: PROBE_BLOCK, t: TOUR_T });
    previousStep();
    expect(getState().compare).toBeNull();
    goToStep(3);
    expect(getState().view).toMatchObject({ blocks: [PROBE_BLOCK], pooling: 'avg' });
    endTour();
    expect(getState().tour).toBeNull();
    // The state of the last step stays.
    expect(getState().view.blocks).toEqual([PROBE_BLOCK]);
  });
});
