import { readiness, waitingText } from '../state/readiness';
import { useShallow, useStore } from '../state/store';

/**
 * What a panel shows until it can work: what the page is still loading, with progress ("Waiting
 * for the model (42%)…"), else `otherwise` (what the panel needs that is not loading: a model of
 * one's own without the bundled images, say).
 */
export function Waiting({ otherwise }: { otherwise: string }) {
  const r = useStore(useShallow(readiness));
  return (
    <p className="muted" aria-live="polite">
      {r.ready ? otherwise : `${waitingText(r)}…`}
    </p>
  );
}
