/**
 * @file Extraction commands: pooled features of many images, streamed into a FeatureSet in the
 * store so that Stop keeps every row already computed.
 */
import { ensureBundledImages, withBundledImages } from '../../app/bundled-data';
import { writeNpy } from '../../core/npy';
import type { Pooling } from '../../core/pooling';
import { POOLING_KINDS } from '../../core/pooling-kinds';
import { bundledModelInput, parseDatasetId } from '../../data/bundled';
import { buildProvenance, webOrigin } from '../../pipeline/provenance';
import {
  addChunk,
  completeRows,
  createFeatureSet,
  type FeatureSet,
  featureSetToJson,
} from '../../state/feature-set';
import { runJob, trackRun } from '../../state/jobs';
import { bundledDataFor, getState } from '../../state/store';
import { type PoolingId, POOLINGS as VIEW_POOLINGS } from '../../state/view';
import { downloadBytes } from '../../ui/download';

/** The app's poolings with their labels (core/pooling-kinds.ts). */
export const POOLINGS = Object.fromEntries(
  VIEW_POOLINGS.map((id) => [id, { label: POOLING_KINDS[id].label, pooling: POOLING_KINDS[id].pooling }]),
) as Record<PoolingId, { label: string; pooling: Pooling }>;

/** Extracts the selected blocks for `imageIds` at the view's t, seed and pooling. */
export function extractFeatureSet(imageIds: string[], batchSize: number): Promise<void> {
  return trackRun('extraction', (run) => extractRun(imageIds, batchSize, run));
}

async function extractRun(imageIds: string[], batchSize: number, run: AbortSignal): Promise<void> {
  const ids = imageIds.filter((id) => parseDatasetId(id));
  if (!(await withBundledImages(() => ensureBundledImages(ids))) || run.aborted) return;
  const { model, view } = getState();
  const dataset = bundledDataFor(getState());
  if (!model || !dataset) return;
  const labels = Int32Array.from(ids, (id) => {
    const r = parseDatasetId(id)!;
    return dataset.splits[r.split].labels[r.row];
  });
  const spec = { imageIds: ids, t: view.t, seed: view.seed, pooling: view.pooling, blocks: [...view.blocks] };
  let set = createFeatureSet(spec, labels);
  // Only while its model is loaded: the rows never land on another model's results.
  const put = (s: FeatureSet) => {
    if (getState().model?.id === model.id) getState().setFeatureSet(s);
  };
  put(set);
  const data = bundledModelInput(dataset, ids, model.manifest);
  // Before the input is handed to the worker (transferred): the images' x₀ hashes.
  set = {
    ...set,
    provenance: await buildProvenance(
      webOrigin(model, getState().env?.webgpu.adapter ?? null),
      { ids, x0: data, labels, classes: dataset.index.classes },
      {
        kind: 'features',
        blocks: spec.blocks,
        t: spec.t,
        seed: spec.seed,
        pooling: POOLINGS[spec.pooling].pooling,
      },
    ),
  };
  put(set);
  const result = await runJob(
    'extract',
    `Extracting ${spec.blocks.join(' + ')} at t = ${spec.t}`,
    'extractFeatures',
    {
      images: { data, count: ids.length },
      t: spec.t,
      seed: spec.seed,
      blocks: spec.blocks,
      pooling: POOLINGS[spec.pooling].pooling,
      batchSize,
      model: model.id,
    },
    {
      transfer: [data.buffer],
      run,
      onPartial: (chunk) => {
        set = addChunk(set, chunk);
        put({ ...set });
      },
    },
  );
  put({
    ...set,
    status: result ? 'done' : set.filledCount < ids.length ? 'stopped' : 'done',
  });
}

/** Features of the complete rows, blocks concatenated, as .npy [N, D]; labels [N]; or JSON with ids and provenance. */
export function downloadFeatureSet(which: 'features' | 'labels' | 'json'): void {
  const set = getState().featureSet;
  if (!set) return;
  if (which === 'json') {
    const tag = `${set.spec.blocks.join('+')}_t${set.spec.t}_${set.spec.pooling}`;
    downloadBytes(featureSetToJson(set), `features_${tag}.json`, 'application/json');
    return;
  }
  const { rows, features, labels } = completeRows(set);
  const tag = `${set.spec.blocks.join('+')}_t${set.spec.t}_${set.spec.pooling}`;
  if (which === 'labels') {
    downloadBytes(writeNpy(labels, [rows.length]), `labels_${tag}.npy`);
    return;
  }
  const dims = set.spec.blocks.map((b) => set.dims[b] ?? 0);
  const total = dims.reduce((a, b) => a + b, 0);
  const out = new Float32Array(rows.length * total);
  for (let i = 0; i < rows.length; i++) {
    let offset = i * total;
    for (const [k, b] of set.spec.blocks.entries()) {
      out.set(features[b].subarray(i * dims[k], (i + 1) * dims[k]), offset);
      offset += dims[k];
    }
  }
  downloadBytes(writeNpy(out, [rows.length, total]), `features_${tag}.npy`);
}
