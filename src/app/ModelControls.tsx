import { useId } from 'react';
import { useStore } from '../state/store';
import type { BackendChoice } from '../worker/jobs';
import { openModelFiles, setBackend } from './commands';

/** Backend choice (persisted) and "Open model…" for a user's own ONNX + manifest. */
export function ModelControls() {
  const backend = useStore((s) => s.prefs.backend);
  const busy = useStore((s) => s.modelStatus === 'loading');
  const backendId = useId();
  const fileId = useId();
  return (
    <div className="model-controls">
      <label htmlFor={backendId}>Backend</label>
      <select
        id={backendId}
        value={backend}
        onChange={(e) => setBackend(e.target.value as BackendChoice)}
        disabled={busy}
      >
        <option value="auto">Auto (WebGPU, else WASM)</option>
        <option value="webgpu">WebGPU</option>
        <option value="wasm">WASM</option>
      </select>
      <label htmlFor={fileId} className="button-like">
        Open model…
      </label>
      <input
        id={fileId}
        className="visually-hidden"
        type="file"
        multiple
        accept=".onnx,.json,application/json"
        onChange={(e) => {
          const files = Array.from(e.target.files ?? []);
          e.target.value = '';
          if (files.length) void openModelFiles(files);
        }}
      />
    </div>
  );
}
