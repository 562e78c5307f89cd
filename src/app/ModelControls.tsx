import { useId, useState } from 'react';
import { ModelDialog } from '../features/model/ModelDialog';
import { TwinDialog } from '../features/twin/TwinDialog';
import { getState, useStore } from '../state/store';
import { FileButton } from '../ui/FileButton';
import type { BackendChoice } from '../worker/jobs';
import { loadDefaultModel, openModelFiles, setBackend } from './commands';

/**
 * Backend choice and WASM threads (both persisted), "Open model…" for a user's own ONNX (with or
 * without a manifest), "Model…" for its blocks, schedule and inputs, and "Random twin…" for its
 * random-weights twin.
 */
export function ModelControls() {
  const backend = useStore((s) => s.prefs.backend);
  const wasmThreads = useStore((s) => s.prefs.wasmThreads);
  const busy = useStore((s) => s.modelStatus === 'loading');
  const backendId = useId();
  const threadsId = useId();
  const threadsHintId = useId();
  const running = useStore((s) => (s.model?.backend === 'wasm' ? s.model.threads : null));
  const pending = running !== null && wasmThreads !== 0 && wasmThreads !== running;
  const hasModel = useStore((s) => s.model !== null);
  const isDefault = useStore((s) => s.model?.origin === 'bundled');
  const [dialogOpen, setDialogOpen] = useState(false);
  const [twinOpen, setTwinOpen] = useState(false);
  return (
    <div className="model-controls">
      <label htmlFor={backendId}>Backend</label>
      <select
        id={backendId}
        value={backend}
        onChange={(e) => setBackend(e.target.value as BackendChoice)}
        disabled={busy}
      >
        <option value="auto">Auto (measures WebGPU and WASM, keeps the faster)</option>
        <option value="webgpu">WebGPU</option>
        <option value="wasm">WASM</option>
      </select>
      <label htmlFor={threadsId}>WASM threads</label>
      <select
        id={threadsId}
        aria-describedby={pending ? threadsHintId : undefined}
        value={wasmThreads}
        onChange={(e) => getState().setPrefs({ wasmThreads: Number(e.target.value) })}
      >
        <option value={0}>Auto</option>
        {[1, 2, 4, 8].map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </select>
      {/* ONNX Runtime fixes its thread pool at the worker's first session: a change needs a reload. */}
      {pending && (
        <span id={threadsHintId} className="muted">
          reload the page to apply
        </span>
      )}
      <FileButton
        label="Open model…"
        accept=".onnx,.json,.data,.bin,.onnx_data,application/json"
        onFiles={(files) => {
          if (files.length) void openModelFiles(files);
        }}
      />
      <button type="button" disabled={!hasModel || busy} onClick={() => setDialogOpen(true)}>
        Model…
      </button>
      <button type="button" disabled={!hasModel || busy} onClick={() => setTwinOpen(true)}>
        Random twin…
      </button>
      {hasModel && !isDefault && (
        <button type="button" disabled={busy} onClick={() => void loadDefaultModel()}>
          Default model
        </button>
      )}
      {dialogOpen && <ModelDialog onClose={() => setDialogOpen(false)} />}
      {twinOpen && <TwinDialog onClose={() => setTwinOpen(false)} />}
    </div>
  );
}
