import type { ProbeRun } from '../../state/results';
import { inputReady, useStore } from '../../state/store';
import { ActionButton } from '../../ui/ActionButton';
import { classifySelected } from './commands';

/** "Try it": the trained probe's class probabilities for the selected image (bundled or your own). */
export function TryIt({ run }: { run: ProbeRun }) {
  const selected = useStore((s) => s.view.images[0]);
  const tried = useStore((s) => s.probeTry);
  const busy = useStore((s) => Boolean(s.jobs['probe-try'] || s.jobs.extract));
  const upload = useStore((s) => s.uploads.find((u) => u.id === selected));
  // An upload still converting (or failing) for this model, or a bundled image it does not use.
  const ready = useStore((s) => inputReady(selected, s));
  const name = upload ? upload.name : selected;
  const result = tried && tried.id === selected ? tried : null;
  const best = result ? result.proba.indexOf(Math.max(...result.proba)) : -1;
  return (
    <section className="try-it" aria-label="Try the probe">
      <h3>Try it</h3>
      <p className="muted">
        Select any image (bundled, or add your own above), then classify it with this probe.
      </p>
      <ActionButton
        reason={
          busy
            ? 'Classifying, or an extraction is running.'
            : !selected
              ? 'Select an image first.'
              : !ready
                ? 'The selected image is not ready for this model: a bundled image it is not fed, or one of yours still being converted.'
                : null
        }
        onClick={() => void classifySelected()}
      >
        Classify the selected image
      </ActionButton>
      {result && (
        <table className="proba" aria-label={`Class probabilities for ${name}`}>
          <tbody>
            {run.classes.map((c, i) => (
              <tr key={c} className={i === best ? 'best' : undefined}>
                <th scope="row">{c}</th>
                <td>{(result.proba[i] * 100).toFixed(1)}%</td>
                <td>
                  <span className="bar" style={{ width: `${result.proba[i] * 120}px` }} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
