import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { subscribe, useStore } from '../../state/store';
import { ActionButton } from '../../ui/ActionButton';
import { endTour, nextStep, previousStep } from './commands';
import { TOUR_STEPS } from './steps';

const MARGIN = 12;

interface Placement {
  top: number;
  ring: { top: number; left: number; width: number; height: number } | null;
}

/** The step's target, or its panel while the target is not on the page yet (results still coming). */
function targetOf(selector: string): Element | null {
  return document.querySelector(selector) ?? document.querySelector(selector.split(' ')[0]);
}

/**
 * The tour's card, docked at the right of the window beside the part of the page the step is
 * about (the page leaves room for it; see app.css), with a ring around that part. Focus moves to
 * the step's title on every step, and back to where it was when the tour ends.
 */
export function TourCard() {
  const index = useStore((s) => s.tour?.step ?? 0);
  const job = useStore((s) => Object.entries(s.jobs).find(([key]) => key !== 'model')?.[1] ?? null);
  const step = TOUR_STEPS[index];
  const card = useRef<HTMLElement>(null);
  const title = useRef<HTMLHeadingElement>(null);
  const [place, setPlace] = useState<Placement>({ top: MARGIN, ring: null });

  // Where focus was before the tour, to give it back at the end.
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    return () => {
      if (before?.isConnected) before.focus();
    };
  }, []);

  useLayoutEffect(() => {
    // The step's area (the explorer, or the target's panel) to the top, then the target into view
    // if it is still below the fold.
    const target = targetOf(step.target);
    (target?.closest('.explorer') ?? target?.closest('.panel') ?? target)?.scrollIntoView({ block: 'start' });
    target?.scrollIntoView({ block: 'nearest' });
    title.current?.focus({ preventScroll: true });
    let frame = 0;
    const measure = () => {
      const el = targetOf(step.target);
      const r = el?.getBoundingClientRect();
      const h = card.current?.offsetHeight ?? 0;
      // Below the page's header while it is in view (its buttons stay reachable).
      const header = document.querySelector('.app-header')?.getBoundingClientRect().bottom ?? 0;
      const min = Math.max(MARGIN, header + MARGIN);
      const max = Math.max(min, window.innerHeight - h - MARGIN);
      const top = r ? Math.min(max, Math.max(min, r.top)) : min;
      const ring = r
        ? {
            top: Math.max(r.top, 0) - 4,
            left: r.left - 4,
            width: r.width + 8,
            height: Math.min(r.bottom, window.innerHeight) - Math.max(r.top, 0) + 8,
          }
        : null;
      setPlace((p) => (p.top === top && JSON.stringify(p.ring) === JSON.stringify(ring) ? p : { top, ring }));
    };
    const update = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(measure);
    };
    measure();
    const observer = new ResizeObserver(update);
    observer.observe(document.body);
    if (card.current) observer.observe(card.current);
    window.addEventListener('scroll', update, { passive: true });
    window.addEventListener('resize', update);
    // Results arriving move things around (a figure appears, a panel grows).
    const unsubscribe = subscribe(update);
    return () => {
      cancelAnimationFrame(frame);
      observer.disconnect();
      window.removeEventListener('scroll', update);
      window.removeEventListener('resize', update);
      unsubscribe();
    };
  }, [step]);

  const last = index === TOUR_STEPS.length - 1;
  const progress = job?.progress;
  return (
    <>
      {place.ring && place.ring.height > 8 && (
        <div className="tour-ring" aria-hidden="true" style={place.ring} />
      )}
      <aside ref={card} className="tour-card" aria-labelledby="tour-title" style={{ top: place.top }}>
        <p className="tour-counter">
          Tour · step {index + 1} of {TOUR_STEPS.length}
        </p>
        <h2 id="tour-title" ref={title} tabIndex={-1}>
          {step.title}
        </h2>
        <div className="tour-body" aria-live="polite">
          <step.Body />
        </div>
        {job && (
          <p className="tour-job">
            {job.label}
            {progress && progress.total > 0 ? ` — ${progress.done}/${progress.total}` : '…'}
          </p>
        )}
        <div className="tour-nav">
          <ActionButton onClick={previousStep} reason={index === 0 ? 'This is the first step.' : null} quiet>
            ← Back
          </ActionButton>
          <button type="button" onClick={nextStep}>
            {last ? 'Finish' : 'Next →'}
          </button>
          <button type="button" onClick={endTour}>
            End tour
          </button>
        </div>
        <p className="tour-keys">← → move between steps · Esc ends the tour</p>
      </aside>
    </>
  );
}
