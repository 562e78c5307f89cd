/**
 * @file Test-only loader for tools/probe/fixtures/probe*.{npy,json} (made by probe_reference.py).
 */

import { readFileSync } from 'node:fs';
import { readNpy } from '../npy';

export interface ProbeFit {
  C: number;
  nIter: number;
  coef: number[][];
  intercept: number[];
  objective: number;
  trainAccuracy: number;
  testAccuracy: number;
  probaTestFirst5: number[][];
  predTrain: number[];
  predTest: number[];
}

export interface ProbeFixture {
  n: number;
  d: number;
  k: number;
  nTrain: number;
  scalerMean: number[];
  scalerScale: number[];
  fits: ProbeFit[];
  X: Float32Array;
  y: Int32Array;
}

const dir = new URL('../../../tools/probe/fixtures/', import.meta.url);

export function loadProbeFixture(): ProbeFixture {
  const ref = JSON.parse(readFileSync(new URL('probe.json', dir), 'utf8'));
  const X = readNpy(new Uint8Array(readFileSync(new URL('probe_X.npy', dir)))).data as Float32Array;
  const y = readNpy(new Uint8Array(readFileSync(new URL('probe_y.npy', dir)))).data as Int32Array;
  return { ...ref, X, y };
}
