/**
 * @file The provenance record of a CKA matrix (pipeline/provenance.ts, settings kind 'cka'): the
 * rows' model as the record's model, the columns' model of a 'models' view (another model or the
 * random-weights twin, with its seed) as `versus`, the images and every setting. runCka builds it
 * from the same inputs in the app and the CLI, so both exports read the same.
 */
import { DiffProbeError } from '../core/errors';
import { imageHashes } from './cache-key';
import type { CkaModel, CkaRep, CkaSpec } from './cka-spec';
import { buildProvenance, type Provenance, type ProvenanceOrigin, type TwinRecord } from './provenance';

/** x₀ hashes of one model's input, in row order. */
async function x0Hashes(x0: Float32Array, n: number): Promise<string[]> {
  return imageHashes(x0, n, n ? x0.length / n : 0);
}

const twinOf = (m: CkaModel | undefined): TwinRecord | null => (m?.twin ? { ...m.twin } : null);

/**
 * The record of `spec` run on the models of `origins` (keyed by the spec's model ids), `input`
 * giving each model's x₀ of the spec's images.
 */
export async function ckaProvenance(
  spec: CkaSpec,
  origins: Readonly<Record<string, ProvenanceOrigin>>,
  input: (model: string) => Float32Array,
): Promise<Provenance> {
  const first = spec.rows[0]?.model;
  const second = spec.view === 'models' ? spec.cols[0]?.model : undefined;
  const originOf = (model: string) => {
    const origin = origins[model];
    if (!origin) throw new DiffProbeError('cka-data', `no provenance origin for the CKA model ${model}`);
    return origin;
  };
  const origin = originOf(first);
  const other = second === undefined ? null : originOf(second);
  // The spec names models by the session's ids; the record by its own (provenanceModelId).
  const recordId = (model: string) => (model === second ? other!.model.id : origin.model.id);
  const rep = (r: CkaRep) => ({ model: recordId(r.model), block: r.block, t: r.t });
  const n = spec.images.ids.length;
  return buildProvenance(
    origin,
    { ids: spec.images.ids, x0: input(first) },
    {
      kind: 'cka',
      view: spec.view,
      rows: spec.rows.map(rep),
      cols: spec.cols.map(rep),
      estimator: spec.estimator,
      features: spec.features,
      pooling: spec.pooling,
      seed: spec.seed,
      twin: twinOf(spec.models[first]),
      versus:
        second === undefined
          ? null
          : {
              model: other!.model,
              engine: other!.engine,
              x0: await x0Hashes(input(second), n),
              twin: twinOf(spec.models[second]),
            },
    },
  );
}
