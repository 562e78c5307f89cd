import { useState } from 'react';
import { EDM_SIGMA_DATA } from '../../core/timestep/convention';
import { useStore } from '../../state/store';
import { ActionButton } from '../../ui/ActionButton';
import { ConventionChooser, type ConventionValue, DenoisingCheckView } from './TimestepConvention';
import { applyTimestepConvention, conventionUnstated } from './timestep-check';

/**
 * A bare model with a float timestep input: DiffProbe feeds the integer step t, but the network may
 * take t/T, t·1000/T or σ. Until the user states it (here or under "Model…"), this says so, offers
 * the denoising check and applies the choice. It stays on the page, not in a dismissable notice:
 * every feature depends on it.
 */
export function TimestepChoice() {
  const model = useStore((s) => s.model);
  const busy = useStore((s) => s.modelStatus === 'loading');
  const [choice, setChoice] = useState<ConventionValue>({ convention: 'index', sigmaData: EDM_SIGMA_DATA });
  const { convention, sigmaData } = choice;
  if (!model || !conventionUnstated(model)) return null;
  const { name, dtype } = model.manifest.timestep;
  return (
    <section className="notice notice-warning timestep-choice" aria-labelledby="timestep-choice-title">
      <strong id="timestep-choice-title">What does {model.fileName}’s timestep mean?</strong>
      <p>
        Its timestep input <span className="mono">{name}</span> is {dtype}, so it may take the integer step t,
        t/T, t·1000/T or a noise level σ. DiffProbe feeds the integer step until you choose; every feature
        depends on it. The denoising check finds it on a trained model.
      </p>
      <ConventionChooser model={model} value={choice} onChange={setChoice} />
      <div className="row">
        <ActionButton
          reason={busy ? 'Wait until the model is open.' : null}
          onClick={() =>
            void applyTimestepConvention(convention, convention === 'sigma' ? sigmaData : undefined)
          }
        >
          Apply this convention
        </ActionButton>
      </div>
      <DenoisingCheckView
        model={model}
        useLabel="Apply"
        onUse={(c, type) => void applyTimestepConvention(c, c === 'sigma' ? sigmaData : undefined, type)}
      />
    </section>
  );
}
