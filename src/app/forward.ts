/**
 * @file Keeps the single-image forward pass in step with the view. Each (model, image, t, seed)
 * runs once and fetches every block, so switching blocks repaints without a re-run. Slider drags
 * coalesce: while a pass is in flight only the latest request is remembered and run next.
 */
import { modelInputFor } from '../data/model-input';
import { getState, subscribe } from '../state/store';
import { compute } from './compute';
import { describeError } from './messages';

function currentKey(): string | null {
  const { model, view } = getState();
  if (!model || !view.images.length) return null;
  return `${model.hash}|${view.images[0]}|${view.t}|${view.seed}|${model.backend}`;
}

let inFlight = false;
let queued = false;

async function pump(): Promise<void> {
  if (inFlight) {
    queued = true;
    return;
  }
  const key = currentKey();
  if (!key || getState().forward?.key === key) return;
  inFlight = true;
  try {
    const { model, view, dataset, uploads } = getState();
    const x0 = modelInputFor([view.images[0]], model!.manifest, dataset, uploads);
    if (!x0.length) return;
    const result = await compute().run(
      'forward',
      { x0, t: view.t, seed: view.seed, blocks: model!.manifest.blocks.map((b) => b.name) },
      { transfer: [x0.buffer] },
    );
    getState().setForward({ key, result });
  } catch (error) {
    const { title, text } = describeError(error);
    getState().notify('error', title, text);
  } finally {
    inFlight = false;
    if (queued) {
      queued = false;
      void pump();
    }
  }
}

export function startForwardSync(): () => void {
  void pump();
  return subscribe((s, prev) => {
    if (
      s.view !== prev.view ||
      s.model !== prev.model ||
      s.dataset !== prev.dataset ||
      s.uploads !== prev.uploads
    )
      void pump();
  });
}
