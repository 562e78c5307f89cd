import { useStore } from '../../state/store';
import { applyUpdate, updateBlockedBy } from './commands';

/**
 * A new release is installed: say so, and start it on request, never while something runs (the
 * button waits, saying for what). Results and added images are kept across the reload.
 */
export function UpdateBanner() {
  const ready = useStore((s) => s.offline.updateReady);
  // Re-rendered as jobs start and end, so the button follows what runs.
  const blockedBy = useStore((s) => (s.offline.updateReady ? updateBlockedBy(s) : null));
  if (!ready) return null;
  return (
    <section className="notice notice-info update-banner" aria-label="Update">
      <span>
        <strong>A new version of DiffProbe is ready.</strong> Reload to use it; your results and added images
        are kept.
        {blockedBy && <span className="muted"> It can reload once {blockedBy} has finished.</span>}
      </span>
      <button type="button" disabled={blockedBy !== null} onClick={() => void applyUpdate()}>
        Reload to update
      </button>
    </section>
  );
}
