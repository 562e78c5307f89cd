/**
 * @file What a CKA matrix was computed from, and its exports. A matrix keeps its spec — the
 * representations on each axis (model, block, t), the images (ids), the noise seed, the pooling or
 * full maps, the estimator, and each model's sha256 and manifest — so the CSV, JSON and figure read
 * it, never the current view; the CLI and the app write the same files.
 */
import type { CkaEstimator } from '../core/cka/linear-cka';
import type { Manifest } from '../core/manifest/types';
import type { Pooling } from '../core/pooling';
import { describePooling } from '../core/pooling-kinds';
import { APP_VERSION } from './feature-spec';
import type { Provenance } from './provenance';

/**
 * 'blocks': every block × every block at one t; 'timesteps': one block at every t × every t;
 * 'models': this model's blocks × a second model's (another model, or the random-weights twin).
 */
export type CkaView = 'blocks' | 'timesteps' | 'models';

/** One representation: a block of a model at a timestep. */
export interface CkaRep {
  /** ModelInfo.id. */
  model: string;
  block: string;
  t: number;
}

/** A model of the spec, for people and for reproducing it. */
export interface CkaModel {
  name: string;
  /** sha256 of its ONNX bytes (with external data, of them together). */
  sha256: string;
  manifest: Manifest;
  /** For a random-weights twin: the trained model's id and the init seed. */
  twin?: { of: string; seed: number };
}

export interface CkaSpec {
  view: CkaView;
  rows: CkaRep[];
  cols: CkaRep[];
  estimator: CkaEstimator;
  /** Pooled features (`pooling`) or the full maps through n×n Gram matrices. */
  features: 'pooled' | 'maps';
  pooling: Pooling | null;
  /** Noise seed (ε is drawn from it and each image's content). */
  seed: number;
  images: {
    /** 'bundled:test', an IDX file… */
    source: string;
    /** The images in order: "test:12" for the bundled data. */
    ids: string[];
  };
  models: Record<string, CkaModel>;
}

export type CkaStatus = 'running' | 'done' | 'stopped' | 'failed';

export interface CkaMatrix {
  spec: CkaSpec;
  /** rows × cols; null where not computed (yet) or undefined. */
  values: (number | null)[][];
  /** Why a value is undefined ('constant': a representation is the same for every image). */
  reasons: ('constant' | 'not-positive' | null)[][];
  route: 'features' | 'gram' | null;
  status: CkaStatus;
  /** Seconds of the CKA arithmetic itself (after extraction). */
  ckaSeconds: number | null;
  /** The full provenance record (pipeline/cka-provenance.ts); null when the run was given no origins. */
  provenance: Provenance | null;
}

export function emptyMatrix(spec: CkaSpec): CkaMatrix {
  return {
    spec,
    values: spec.rows.map(() => spec.cols.map(() => null)),
    reasons: spec.rows.map(() => spec.cols.map(() => null)),
    route: null,
    status: 'running',
    ckaSeconds: null,
    provenance: null,
  };
}

/** The label of a representation on an axis: its block, its t, or "model · block". */
export function repLabel(spec: CkaSpec, rep: CkaRep): string {
  if (spec.view === 'timesteps') return `t = ${rep.t}`;
  return rep.block;
}

/** "up1_0, t = 10, Fashion-MNIST DDPM" for a tooltip. */
export function repTitle(spec: CkaSpec, rep: CkaRep): string {
  const name = spec.models[rep.model]?.name ?? rep.model.slice(0, 12);
  return `${rep.block} at t = ${rep.t}${spec.view === 'models' ? ` (${name})` : ''}`;
}

/** The axes in words: "blocks × blocks at t = 10", for headings and the figure's title. */
export function describeCka(spec: CkaSpec): string {
  const what =
    spec.features === 'maps' ? 'full maps' : `${describePooling(spec.pooling ?? { kind: 'avg' })} pooling`;
  const estimator = spec.estimator === 'debiased' ? 'debiased' : 'linear';
  const n = spec.images.ids.length;
  if (spec.view === 'timesteps')
    return `${estimator} CKA of ${spec.rows[0]?.block} between timesteps (${what}, ${n} images)`;
  const t = spec.rows[0]?.t;
  if (spec.view === 'models') {
    const [a, b] = [spec.rows[0]?.model, spec.cols[0]?.model].map((m) => (m ? spec.models[m]?.name : ''));
    return `${estimator} CKA between the blocks of ${a} (rows) and ${b} (columns) at t = ${t} (${what}, ${n} images)`;
  }
  return `${estimator} CKA between blocks at t = ${t} (${what}, ${n} images)`;
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * The matrix as CSV: a header row (the corner names the axis: "block" or "t"; then the columns'
 * names), then one row per representation, its name first. Undefined values are empty fields.
 */
export function ckaToCsv(m: CkaMatrix): string {
  const { spec } = m;
  const name = (r: CkaRep) => (spec.view === 'timesteps' ? String(r.t) : r.block);
  const corner = spec.view === 'timesteps' ? 't' : 'block';
  const lines = [[corner, ...spec.cols.map(name)].map(csvField).join(',')];
  spec.rows.forEach((r, i) => {
    lines.push(
      [
        csvField(name(r)),
        ...m.values[i].map((v) => (v === null ? '' : String(Number(v.toPrecision(10))))),
      ].join(','),
    );
  });
  return `${lines.join('\n')}\n`;
}

/** The matrix, its full spec and its provenance record as JSON (the file a reader reproduces it from). */
export function ckaToJson(m: CkaMatrix): string {
  const { spec } = m;
  return `${JSON.stringify(
    {
      format: 'diffprobe-cka',
      version: 1,
      app: APP_VERSION,
      description: describeCka(spec),
      rows: spec.rows.map((r) => repLabel(spec, r)),
      cols: spec.cols.map((r) => repLabel(spec, r)),
      values: m.values,
      undefined: m.reasons,
      route: m.route,
      status: m.status,
      ckaSeconds: m.ckaSeconds,
      spec,
      provenance: m.provenance ?? null,
    },
    null,
    1,
  )}\n`;
}
