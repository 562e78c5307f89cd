import { useEffect, useId, useState } from 'react';
import { endTour, startTour } from '../features/tour/commands';
import { readiness, waitingText } from '../state/readiness';
import { useShallow, useStore } from '../state/store';
import { copyViewLink, viewLink } from './share';

/** Tour, presenter mode and "Copy link": how a view is shown to others and shared. */
export function ViewControls() {
  const presenter = useStore((s) => s.presenter);
  const setPresenter = useStore((s) => s.setPresenter);
  const touring = useStore((s) => s.tour !== null);
  // The tour walks through the default model's experiment: enabled exactly when that can run.
  const r = useStore(useShallow(readiness));
  const otherModel = useStore((s) => s.model !== null && !s.modelIsDefault);
  const tourWait = !r.ready
    ? waitingText(r)
    : otherModel
      ? 'The tour runs on the default model: open it with “Default model”.'
      : '';
  const tourNote = useId();
  const [copy, setCopy] = useState<{ ok: boolean; link: string } | null>(null);
  // Presenter mode scales the whole page (rem units), so the class sits on the root element.
  useEffect(() => {
    document.documentElement.classList.toggle('presenter', presenter);
  }, [presenter]);
  useEffect(() => {
    if (!copy?.ok) return;
    const timer = setTimeout(() => setCopy(null), 4000);
    return () => clearTimeout(timer);
  }, [copy]);
  return (
    <div className="view-controls">
      <button
        type="button"
        aria-pressed={touring}
        disabled={!touring && tourWait !== ''}
        aria-describedby={tourWait ? tourNote : undefined}
        title={tourWait || undefined}
        onClick={() => (touring ? endTour() : void startTour())}
      >
        Tour
      </button>
      {tourWait && (
        <span id={tourNote} className="visually-hidden">
          {tourWait}
        </span>
      )}
      <button type="button" aria-pressed={presenter} onClick={() => setPresenter(!presenter)}>
        Presenter mode
      </button>
      <button
        type="button"
        onClick={() => {
          const link = viewLink();
          void copyViewLink().then((ok) => setCopy({ ok, link }));
        }}
      >
        Copy link
      </button>
      <span className="copy-note" aria-live="polite">
        {copy?.ok && 'Link copied'}
      </span>
      {copy && !copy.ok && (
        <label className="copy-fallback">
          Copy this link
          <input
            readOnly
            value={copy.link}
            ref={(el) => el?.select()}
            onBlur={() => setCopy(null)}
            aria-describedby="copy-fallback-why"
          />
          <span id="copy-fallback-why" className="visually-hidden">
            The browser did not allow copying to the clipboard.
          </span>
        </label>
      )}
    </div>
  );
}
