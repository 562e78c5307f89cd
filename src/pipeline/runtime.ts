/**
 * @file What the probe and sweep orchestration (probe-run.ts, sweep-run.ts) needs from whoever runs
 * the jobs: the app passes the compute worker (with its progress entries and Stop), the CLI its
 * onnxruntime-node handlers, the tests a fake. The jobs and their parameters are the worker's
 * (worker/jobs.ts), so every runtime takes the same requests.
 */
import type { JobName, JobParams, JobPartial, JobResult, Progress } from '../worker/protocol';

/** The jobs the orchestration sends. */
export type PipelineJob = Extract<
  JobName,
  'extractFeatures' | 'trainProbe' | 'applyProbe' | 'trainHead' | 'applyHead' | 'extractGrams' | 'cka'
>;

export interface PipelineCall<K extends PipelineJob> {
  /** This call in words ("features at t = 25"), for a progress display. */
  label: string;
  onPartial?: (partial: JobPartial<K>) => void;
  onProgress?: (progress: Progress) => void;
  /** Buffers of `params` that are the runtime's to take (the caller does not read them again). */
  transfer?: Transferable[];
}

/**
 * Runs one job. Rejects with DiffProbeError('cancelled') when the user stopped it (a trainProbe or
 * trainHead stopped mid-training resolves instead, with stopReason 'stopped': the model so far), and with
 * any other error when it failed.
 */
export interface PipelineRuntime {
  run<K extends PipelineJob>(job: K, params: JobParams<K>, call: PipelineCall<K>): Promise<JobResult<K>>;
}
