/**
 * @file "Run sweep": for every (block, t) pair, extract features (through the cache) and train and
 * evaluate a probe. One progress entry with an ETA covers the whole sweep; Stop keeps every cell
 * already computed.
 */
import { compute } from '../../app/compute';
import { describeError } from '../../app/messages';
import { DiffProbeError } from '../../core/errors';
import { EtaEstimator } from '../../core/progress';
import { sampleIndices } from '../../core/sample';
import { bundledModelInput, parseDatasetId } from '../../data/bundled';
import { bundledDataFor, getState } from '../../state/store';
import { downloadBytes } from '../../ui/download';
import { POOLINGS } from '../extraction/commands';
import { addChunk, createFeatureSet } from '../extraction/feature-set';
import { emptyGrid, gridToCsv, gridToJson, type SweepGrid } from './sweep-grid';

export interface SweepSettings {
  blocks: string[];
  timesteps: number[];
  nTrain: number;
  nTest: number;
  splitSeed: number;
  C: number;
  maxIter: number;
}

export async function runSweep(settings: SweepSettings): Promise<void> {
  const s = getState();
  const { model, view } = s;
  const dataset = bundledDataFor(s);
  if (!model || !dataset) return;
  const k = dataset.index.classes.length;
  const trainIds = sampleIndices(dataset.splits.train.count, settings.nTrain, settings.splitSeed).map(
    (r) => `train:${r}`,
  );
  const testIds = sampleIndices(dataset.splits.test.count, settings.nTest, settings.splitSeed + 1).map(
    (r) => `test:${r}`,
  );
  const ids = [...trainIds, ...testIds];
  const labels = Int32Array.from(ids, (id) => {
    const r = parseDatasetId(id)!;
    return dataset.splits[r.split].labels[r.row];
  });
  const yTrain = labels.slice(0, trainIds.length);
  const yTest = labels.slice(trainIds.length);
  let grid = emptyGrid(settings.blocks, settings.timesteps, {
    nTrain: settings.nTrain,
    nTest: settings.nTest,
    pooling: view.pooling,
    seed: view.seed,
  });
  s.setSweep({ grid, status: 'running' });

  const controller = new AbortController();
  const eta = new EtaEstimator();
  // Work units: extracting the images at one t counts as much as all the probes at that t.
  const unitsPerT = 2 * settings.blocks.length;
  const total = settings.timesteps.length * unitsPerT;
  let done = 0;
  const label = `Sweep: ${settings.blocks.length} blocks × ${settings.timesteps.length} timesteps`;
  const report = (note: string) =>
    getState().updateJob('sweep', { done, total, etaMs: eta.update(done, total), note });
  s.startJob('sweep', label, () => controller.abort());
  report('starting');
  try {
    for (const [j, t] of settings.timesteps.entries()) {
      let set = createFeatureSet(
        { imageIds: ids, t, seed: view.seed, pooling: view.pooling, blocks: settings.blocks },
        labels,
      );
      const data = bundledModelInput(dataset, ids, model.manifest);
      const extractedBefore = done;
      await compute().run(
        'extractFeatures',
        {
          images: { data, count: ids.length },
          t,
          seed: view.seed,
          blocks: settings.blocks,
          pooling: POOLINGS[view.pooling].pooling,
          batchSize: 32,
          model: model.id,
        },
        {
          transfer: [data.buffer],
          signal: controller.signal,
          onPartial: (c) => {
            set = addChunk(set, c);
            done = extractedBefore + Math.floor((settings.blocks.length * set.filledCount) / ids.length);
            report(`extracting t = ${t}: ${set.filledCount}/${ids.length} images`);
          },
        },
      );
      done = extractedBefore + settings.blocks.length;
      for (const [b, block] of settings.blocks.entries()) {
        const dim = set.dims[block];
        const X = set.features[block];
        const train = { X: X.slice(0, trainIds.length * dim), y: yTrain.slice() };
        const test = { X: X.slice(trainIds.length * dim), y: yTest.slice() };
        const result = await compute().run(
          'trainProbe',
          { train, test, d: dim, k, C: settings.C, maxIter: settings.maxIter },
          // The slices are ours to give: transfer them rather than copy them again.
          { signal: controller.signal, transfer: [train.X.buffer, test.X.buffer] },
        );
        // A probe stopped mid-training is not a result for the grid.
        if (controller.signal.aborted) throw new DiffProbeError('cancelled', 'sweep stopped');
        grid = {
          ...grid,
          accuracy: grid.accuracy.map((r) => [...r]),
          trainAccuracy: grid.trainAccuracy.map((r) => [...r]),
        };
        grid.accuracy[b][j] = result.testAccuracy;
        grid.trainAccuracy[b][j] = result.trainAccuracy;
        done++;
        getState().setSweep({ grid, status: 'running' });
        report(`t = ${t}, ${block}: ${(result.testAccuracy * 100).toFixed(1)}%`);
      }
    }
    getState().setSweep({ grid, status: 'done' });
  } catch (error) {
    const cancelled = error instanceof DiffProbeError && error.code === 'cancelled';
    getState().setSweep({ grid, status: cancelled ? 'stopped' : 'failed' });
    if (!cancelled) {
      const { title, text } = describeError(error);
      getState().notify('error', title, text);
    }
  } finally {
    getState().endJob('sweep');
    void compute()
      .run('cacheStats', {})
      .then((st) => getState().setCacheStats(st))
      .catch(() => {});
  }
}

export function downloadSweep(format: 'csv' | 'json'): void {
  const sweep = getState().sweep;
  if (!sweep) return;
  const g: SweepGrid = sweep.grid;
  if (format === 'csv') downloadBytes(gridToCsv(g), 'diffprobe-sweep.csv', 'text/csv');
  else downloadBytes(gridToJson(g), 'diffprobe-sweep.json', 'application/json');
}
