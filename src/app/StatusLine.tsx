import type { OfflineState } from '../features/offline/state';
import { readiness } from '../state/readiness';
import { useShallow, useStore } from '../state/store';
import { allDataLoaded } from './bundled-data';

/**
 * The header's live status (role="status", so changes are announced): one calm line, what runs
 * which model or what the page is waiting for, with progress; the reasons behind it (why this
 * backend, threads and isolation, offline use) under "Details".
 */
export function StatusLine() {
  const model = useStore((s) => s.model);
  const status = useStore((s) => s.modelStatus);
  const env = useStore((s) => s.env);
  const offline = useStore((s) => s.offline);
  const dataLoaded = useStore((s) => allDataLoaded(s.dataset));
  const r = useStore(useShallow(readiness));
  let line: string;
  if (model) {
    const backend = model.backend === 'webgpu' ? 'WebGPU' : 'WASM';
    const threads =
      model.backend === 'wasm' ? ` (${model.threads} thread${model.threads === 1 ? '' : 's'})` : '';
    line = `${backend}${threads} · ${model.manifest.name}`;
    if (status === 'loading') line += ' · loading another model…';
    else if (!r.ready && r.waitingFor) line += ` · loading ${r.waitingFor}…`;
  } else if (status === 'loading') line = 'Loading the model…';
  else if (status === 'error') line = 'No model loaded';
  else line = 'Starting…';
  const pct = r.progress === null ? null : Math.round(100 * r.progress);
  const details = [
    model?.backendReason,
    model?.fallbackReason,
    env && isolationText(offline.isolation, env.crossOriginIsolated, offline.worker),
    offlineText(offline, dataLoaded),
  ].filter((d): d is string => Boolean(d));
  return (
    <div role="status" className="status">
      <span className="status-line" title={line}>
        {line}
        {!model && pct !== null && ` ${pct}%`}
        {!model && r.note && ` · ${r.note}`}
        {!model && pct !== null && (
          <progress className="status-progress" max={100} value={pct} aria-label="Loading the model" />
        )}
      </span>
      {details.length > 0 && (
        <details
          className="status-details"
          onKeyDown={(e) => {
            if (e.key === 'Escape') e.currentTarget.open = false;
          }}
        >
          <summary>Details</summary>
          <ul className="status-notes">
            {details.map((d) => (
              <li key={d}>{d}</li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

function isolationText(
  source: OfflineState['isolation'],
  isolated: boolean,
  worker: OfflineState['worker'],
): string {
  if (source === 'service-worker')
    return 'Cross-origin isolated by the service worker (this host sends no COOP/COEP headers): WASM can use several threads.';
  if (isolated || source === 'headers')
    return 'Cross-origin isolated by the host’s COOP/COEP headers: WASM can use several threads.';
  const later =
    worker === 'unavailable'
      ? ''
      : ' The service worker adds the headers from the next visit (docs/deploy.md).';
  return `Not cross-origin isolated (the host sends no COOP/COEP headers): WASM runs on one thread.${later}`;
}

function offlineText(offline: OfflineState, dataLoaded: boolean): string {
  switch (offline.worker) {
    case 'pending':
      return 'Offline use: prepared once the explorer is ready.';
    case 'installing':
      return 'Offline use: saving the app in this browser…';
    case 'unavailable':
      return `Offline use: not available here (${offline.note ?? 'no service worker'}).`;
    case 'active':
      return dataLoaded
        ? 'Offline use: ready. The app, the default model and its images are saved in this browser.'
        : 'Offline use: the app and the model are saved; the images follow while the page is idle.';
  }
}
