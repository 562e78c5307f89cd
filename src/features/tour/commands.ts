/**
 * @file The tour's commands: start, go to a step (which sets the app state for it), next, back,
 * end. The buttons, the keyboard (app/keyboard.ts) and the tests all go through these.
 */
import { getState } from '../../state/store';
import { TOUR_STEPS } from './steps';

export function goToStep(index: number): void {
  const step = Math.max(0, Math.min(TOUR_STEPS.length - 1, index));
  getState().setTour({ step });
  TOUR_STEPS[step].enter();
}

/** Starts the tour; it walks through the default model's experiment, so it needs that model. */
export function startTour(at = 0): void {
  const s = getState();
  if (!s.model || !s.modelIsDefault || !s.dataset) {
    s.notify(
      'info',
      'The tour needs the default model',
      s.model && !s.modelIsDefault
        ? 'It walks through the experiment on the bundled Fashion-MNIST model: open it with “Default model”, then start the tour.'
        : 'The default model and its images are still loading; start the tour in a moment.',
    );
    return;
  }
  goToStep(at);
}

export function nextStep(): void {
  const tour = getState().tour;
  if (!tour) return;
  if (tour.step >= TOUR_STEPS.length - 1) endTour();
  else goToStep(tour.step + 1);
}

export function previousStep(): void {
  const tour = getState().tour;
  if (tour && tour.step > 0) goToStep(tour.step - 1);
}

/** Ends the tour; the state of its last step stays (results, view), and so does the URL. */
export function endTour(): void {
  getState().setTour(null);
}
