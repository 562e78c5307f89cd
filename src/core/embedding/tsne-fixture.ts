/**
 * @file Test-only loader for tools/probe/fixtures/tsne*.{npy,json} (made by tsne_reference.py).
 */

import { readFileSync } from 'node:fs';
import { readNpy } from '../npy';

export interface TsneFixtureRow {
  neighbors: number[];
  sqDistances: number[];
  condP: number[];
  beta: number;
  jointRowSum: number;
}

export interface TsneFixture {
  n: number;
  d: number;
  clusters: number;
  perplexity: number;
  kNeighbors: number;
  rows: TsneFixtureRow[];
  jointSum: number;
  jointNnz: number;
  sklearnRuns: {
    seed: number;
    seconds: number;
    kl: number;
    nIter: number;
    knnAccuracy10: number;
    trustworthiness10: number;
  }[];
  featureKnnAccuracy10: number;
  small: {
    X: number[][];
    Y: number[][];
    labels: number[];
    trustworthiness5: number;
    trustworthiness10: number;
    trustworthinessSelf5: number;
    knnAccuracy5Y: number;
    knnAccuracy3X: number;
  };
  pca: {
    explainedVariance: number[];
    explainedVarianceRatio: number[];
    components: number[][];
    coordsFirst5: number[][];
  };
  X: Float32Array;
  labels: Int32Array;
}

const dir = new URL('../../../tools/probe/fixtures/', import.meta.url);

export function loadTsneFixture(): TsneFixture {
  const ref = JSON.parse(readFileSync(new URL('tsne.json', dir), 'utf8'));
  const X = readNpy(new Uint8Array(readFileSync(new URL('tsne_X.npy', dir)))).data as Float32Array;
  const labels = readNpy(new Uint8Array(readFileSync(new URL('tsne_labels.npy', dir)))).data as Int32Array;
  return { ...ref, X, labels };
}
