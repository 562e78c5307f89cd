/**
 * @file Page-wide keys (when no text field has focus): ←/→ move the timestep (Shift: by 10),
 * ↑/↓ move to the previous/next image of the bundled set. During the tour ←/→ move between its
 * steps instead, and Esc ends it. Sliders, selects, text fields and grids (the sweep heatmap)
 * keep their own arrow-key behaviour.
 */
import { parseDatasetId } from '../data/bundled';
import { endTour, nextStep, previousStep } from '../features/tour/commands';
import { bundledDataFor, getState } from '../state/store';

function ownsArrows(el: Element | null): boolean {
  if (!el) return false;
  const tag = el.tagName;
  return (
    tag === 'INPUT' ||
    tag === 'SELECT' ||
    tag === 'TEXTAREA' ||
    (el as HTMLElement).isContentEditable ||
    el.closest('[role="grid"]') !== null
  );
}

export function startKeyboard(target: Document = document): () => void {
  const onKey = (e: KeyboardEvent) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const s = getState();
    // Esc ends the tour from anywhere, unless a modal dialog (which Esc closes) is open.
    if (s.tour && e.key === 'Escape' && !target.querySelector('dialog[open]')) {
      endTour();
      e.preventDefault();
      return;
    }
    if (ownsArrows(target.activeElement)) return;
    if (s.tour && (e.key === 'ArrowLeft' || e.key === 'ArrowRight')) {
      if (e.key === 'ArrowLeft') previousStep();
      else nextStep();
      e.preventDefault();
      return;
    }
    if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
      const step = (e.shiftKey ? 10 : 1) * (e.key === 'ArrowLeft' ? -1 : 1);
      s.setT(s.view.t + step);
      e.preventDefault();
    } else if (e.key === 'ArrowUp' || e.key === 'ArrowDown') {
      const current = parseDatasetId(s.view.images[0] ?? '');
      const count = bundledDataFor(s)?.splits[current?.split ?? 'test']?.count ?? 0;
      if (!count) return;
      const row = current ? current.row + (e.key === 'ArrowDown' ? 1 : -1) : 0;
      s.setView({ images: [`${current?.split ?? 'test'}:${(row + count) % count}`] });
      e.preventDefault();
    }
  };
  target.addEventListener('keydown', onKey);
  return () => target.removeEventListener('keydown', onKey);
}
