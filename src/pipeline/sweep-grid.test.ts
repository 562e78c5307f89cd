import { describe, expect, it } from 'vitest';
import { dataSpec, type FeatureSpec } from './feature-spec';
import { splitLabelled } from './split';
import { bestCell, emptyGrid, gridToCsv, gridToJson, withCell } from './sweep-grid';

const items = Array.from({ length: 20 }, (_, i) => ({ id: `train:${i}`, label: i % 2 ? 'b' : 'a' }));
const split = splitLabelled(items, 0.3, 0.2, 0);
const spec: FeatureSpec = {
  model: 'model-A',
  modelName: 'A',
  blocks: ['mid', 'up1_0'],
  timesteps: [0, 100],
  seed: 0,
  pooling: { kind: 'avg' },
  data: dataSpec(split, { source: 'bundled', dataset: 'Fashion-MNIST' }, 0, 0.2),
};

function grid() {
  let g = emptyGrid(spec, { C: 1, maxIter: 100 });
  g = withCell(g, 0, 0, { validationAccuracy: 0.5, trainAccuracy: 0.6, model: 'model-A' });
  g = withCell(g, 1, 1, { validationAccuracy: 0.75, trainAccuracy: 0.9, model: 'model-A' });
  return g;
}

describe('sweep grid', () => {
  it('chooses the computed cell with the best validation accuracy and skips missing ones', () => {
    expect(bestCell(grid())).toMatchObject({ block: 'up1_0', t: 100, accuracy: 0.75 });
    expect(bestCell(emptyGrid(spec, { C: 1, maxIter: 1 }))).toBeNull();
    // Equal validation accuracies: the first computed (t, then block) is kept.
    const tie = withCell(grid(), 1, 0, { validationAccuracy: 0.75, trainAccuracy: 0.7, model: 'model-A' });
    expect(bestCell(tie)).toMatchObject({ block: 'up1_0', t: 0 });
  });

  it('writes CSV rows for computed cells only, with their model, and the chosen cell’s one test accuracy', () => {
    const g = { ...grid(), chosen: { block: 'up1_0', t: 100, validationAccuracy: 0.75, testAccuracy: 0.7 } };
    expect(gridToCsv(g)).toBe(
      [
        'block,t,validation_accuracy,train_accuracy,model,chosen,test_accuracy_of_chosen',
        'mid,0,0.500000,0.600000,model-A,,',
        'up1_0,100,0.750000,0.900000,model-A,yes,0.700000',
        '',
      ].join('\n'),
    );
  });

  it('writes JSON with the spec, the settings, the app version and the chosen cell', () => {
    const g = { ...grid(), chosen: { block: 'up1_0', t: 100, validationAccuracy: 0.75, testAccuracy: 0.7 } };
    const json = JSON.parse(gridToJson(g));
    expect(json).toMatchObject({ format: 'diffprobe-sweep', version: 2, C: 1, maxIter: 100, splitSeed: 0 });
    expect(json.appVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(json.spec.data.ids.test).toEqual(split.test.ids);
    expect(json.chosen).toEqual({ block: 'up1_0', t: 100, validationAccuracy: 0.75, testAccuracy: 0.7 });
    expect(json.validationAccuracy).toEqual([
      [0.5, null],
      [null, 0.75],
    ]);
    expect(json.model).toEqual([
      ['model-A', null],
      [null, 'model-A'],
    ]);
    expect(json).not.toHaveProperty('accuracy');
  });

  it('says in the JSON whether the grid is complete, and how many cells it has of how many', () => {
    const partial = JSON.parse(gridToJson(grid()));
    expect(partial.complete).toBe(false);
    expect(partial.cells).toEqual({ computed: 2, total: 4 });
    let full = grid();
    full = withCell(full, 1, 0, { validationAccuracy: 0.6, trainAccuracy: 0.7, model: 'model-A' });
    full = withCell(full, 0, 1, { validationAccuracy: 0.6, trainAccuracy: 0.7, model: 'model-A' });
    const done = JSON.parse(gridToJson(full));
    expect(done.complete).toBe(true);
    expect(done.cells).toEqual({ computed: 4, total: 4 });
  });
});
