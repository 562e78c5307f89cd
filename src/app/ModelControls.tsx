import { useId } from 'react';
import { useStore } from '../state/store';
import { FileButton } from '../ui/FileButton';
import type { BackendChoice } from '../worker/jobs';
import { openModelFiles, setBackend } from './commands';

/** Backend choice (persisted) and "Open model…" for a user's own ONNX + manifest. */
export function ModelControls() {
  const backend = useStore((s) => s.prefs.backend);
  const busy = useStore((s) => s.modelStatus === 'loading');
  const backendId = useId();
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
      <FileButton
        label="Open model…"
        accept=".onnx,.json,application/json"
        onFiles={(files) => {
          if (files.length) void openModelFiles(files);
        }}
      />
    </div>
  );
}
