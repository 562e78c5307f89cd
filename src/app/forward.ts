/**
 * @file Keeps the single-image forward pass in step with the view. Each (model, image, t, seed)
 * runs once and fetches every block, so switching blocks repaints without a re-run. Slider drags
 * coalesce: while a pass is in flight only the latest request is remembered and run next.
 */
import { isDiffProbeError } from '../core/errors';
import { numbersKey } from '../core/manifest/numbers-key';
import type { Manifest } from '../core/manifest/types';
import { labelsFor, modelInputFor } from '../data/model-input';
import { inputIdentity } from '../data/uploads';
import { bundledDataFor, getState, inputReady, subscribe } from '../state/store';
import { compute } from './compute';
import { describeError } from './messages';

/**
 * What determines one explorer pass: the ONNX bytes, the parts of the manifest that change the
 * numbers (schedule, block outputs, inputs…: an edited manifest on the same bytes must re-run),
 * the image, t, seed and backend.
 */
export function forwardKey(
  model: { hash: string; manifest: Manifest; backend: string },
  image: string,
  t: number,
  seed: number,
): string {
  return `${model.hash}|${numbersKey(model.manifest)}|${image}|${t}|${seed}|${model.backend}`;
}

/** What the explorer needs computed: the view's t, and the compare pane's t when comparing. */
function wanted(): { slot: 'forward' | 'compareForward'; t: number; key: string }[] {
  const s = getState();
  const { model, view, compare } = s;
  // An image not (yet) usable by this model asks for nothing: an upload still being converted
  // for it, or a bundled image the model does not use (see store.useBundledData).
  if (!model || !inputReady(view.images[0], s)) return [];
  // The image's identity includes its polarity: flipping a batch's choice must run again.
  const image = inputIdentity(view.images[0], s.uploads);
  const key = (t: number) => forwardKey(model, image, t, view.seed);
  const out: { slot: 'forward' | 'compareForward'; t: number; key: string }[] = [
    { slot: 'forward', t: view.t, key: key(view.t) },
  ];
  if (compare) out.push({ slot: 'compareForward', t: compare.t, key: key(compare.t) });
  return out;
}

let inFlight = false;
let queued = false;

async function pump(): Promise<void> {
  if (inFlight) {
    queued = true;
    return;
  }
  const next = wanted().find((w) => getState()[w.slot]?.key !== w.key);
  if (!next) return;
  inFlight = true;
  try {
    const { model, view, uploads } = getState();
    const x0 = modelInputFor([view.images[0]], model!.manifest, bundledDataFor(getState()), uploads);
    if (!x0.length) return;
    const result = await compute().run(
      'forward',
      {
        x0,
        t: next.t,
        seed: view.seed,
        blocks: model!.manifest.blocks.map((b) => b.name),
        model: model!.id,
        label: labelsFor([view.images[0]], bundledDataFor(getState()), uploads, model!.manifest.classes)[0],
      },
      { transfer: [x0.buffer] },
    );
    // Reuse: if both panes want the same pass, one run serves both.
    const s = getState();
    for (const w of wanted()) {
      if (w.key !== next.key) continue;
      if (w.slot === 'forward') s.setForward({ key: w.key, result });
      else s.setCompareForward({ key: w.key, result });
    }
    queued = true;
  } catch (error) {
    // A pass asked for by the previous model is simply not wanted any more.
    if (!isDiffProbeError(error, 'model-changed')) {
      const { title, text } = describeError(error);
      getState().notify('error', title, text);
    }
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
      s.useBundledData !== prev.useBundledData ||
      s.uploads !== prev.uploads ||
      s.compare !== prev.compare
    )
      void pump();
  });
}
