import { useId } from 'react';
import { describeExtraFeed } from '../../core/conditioning/extra-feeds';
import type { Manifest } from '../../core/manifest/types';
import { describeFeed } from '../../core/timestep/convention';
import { alphasCumprodOf, maxT, useStore } from '../../state/store';
import { NumberField } from '../../ui/NumberField';

/** Timestep slider + number field, and the noise seed with "New noise". */
export function TimestepControls() {
  const t = useStore((s) => s.view.t);
  const seed = useStore((s) => s.view.seed);
  const model = useStore((s) => s.model);
  const setT = useStore((s) => s.setT);
  const setSeed = useStore((s) => s.setSeed);
  const sliderId = useId();
  const max = model ? maxT(model) : 999;
  return (
    <div className="timestep" data-part="timestep">
      <label htmlFor={sliderId}>Timestep</label>
      <input
        id={sliderId}
        type="range"
        min={0}
        max={max}
        step={1}
        value={t}
        onChange={(e) => setT(Number(e.target.value))}
      />
      <NumberField label="Timestep value" min={0} max={max} value={t} onChange={setT} hideLabel />
      <NumberField label="Noise seed" min={0} max={4294967295} value={seed} onChange={setSeed} />
      <button type="button" onClick={() => setSeed((seed + 1) >>> 0)}>
        New noise
      </button>
      {model && <FedLine manifest={model.manifest} t={t} />}
    </div>
  );
}

/** What the network is fed for this t under the model's timestep convention. */
function FedLine({ manifest, t }: { manifest: Manifest; t: number }) {
  const abar = alphasCumprodOf(manifest);
  if (t >= abar.length) return null;
  const { convention = 'index', dtype, sigmaData } = manifest.timestep;
  const extras = manifest.extraInputs ?? [];
  return (
    <>
      <p className="muted fed-as" data-testid="fed-as">
        {describeFeed(convention, t, abar.length, abar[t], dtype, sigmaData)}
      </p>
      {extras.length > 0 && (
        <p className="muted fed-as" data-testid="conditioning">
          Also fed: {extras.map((e) => describeExtraFeed(e, manifest.classes)).join('; ')}.
        </p>
      )}
    </>
  );
}
