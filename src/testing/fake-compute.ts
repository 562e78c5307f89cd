/**
 * The compute worker, faked for the features' command tests: every request is recorded;
 * extraction answers one row of [1, 2] per block, applyProbe [0.25, 0.75], anything else null.
 * Use with `vi.mock('../../app/compute', () => ({ compute: () => ({ run: fakeCompute.run }) }))`.
 */
export const fakeCompute = {
  calls: [] as { job: string; params: Record<string, unknown> }[],
  async run(
    job: string,
    params: Record<string, unknown>,
    options: { onPartial?: (p: unknown) => void } = {},
  ) {
    fakeCompute.calls.push({ job, params });
    if (job === 'extractFeatures') {
      const blocks = params.blocks as string[];
      const features = Object.fromEntries(blocks.map((b) => [b, Float32Array.from([1, 2])]));
      const dims = Object.fromEntries(blocks.map((b) => [b, 2]));
      options.onPartial?.({ rows: [0], features, dims });
      return { count: 1, dims, cached: 0 };
    }
    if (job === 'applyProbe') return { proba: Float64Array.from([0.25, 0.75]) };
    return null;
  },
};
