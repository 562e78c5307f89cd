import { useStore } from '../state/store';

/** The header's live status: which backend runs which model (role="status" so it is announced). */
export function StatusLine() {
  const model = useStore((s) => s.model);
  const status = useStore((s) => s.modelStatus);
  const env = useStore((s) => s.env);
  let text: string;
  if (model) {
    const backend = model.backend === 'webgpu' ? 'WebGPU' : 'WASM';
    const threads =
      model.backend === 'wasm' ? ` (${model.threads} thread${model.threads === 1 ? '' : 's'})` : '';
    text = `${backend}${threads} · ${model.manifest.name}`;
    // Say why "Auto" chose this backend, and why this is not the backend asked for (or expected).
    if (model.backendReason) text += ` · ${model.backendReason}`;
    if (model.fallbackReason) text += ` · ${model.fallbackReason}`;
    if (status === 'loading') text += ' · loading another model…';
  } else if (status === 'loading') text = 'Loading model…';
  else if (status === 'error') text = 'No model loaded';
  else text = 'Starting…';
  const isolation =
    env && !env.crossOriginIsolated && !model?.fallbackReason?.includes('cross-origin')
      ? ' · not cross-origin isolated: single-threaded WASM'
      : '';
  return (
    <p
      role="status"
      className="status"
      title={[model?.backendReason, model?.fallbackReason].filter(Boolean).join('; ') || undefined}
    >
      {text}
      {isolation}
    </p>
  );
}
