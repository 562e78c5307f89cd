/**
 * @file The pipeline's sweep (pipeline/sweep-run.ts) as one job of the job runner, with its
 * progress entry and Stop: what "Run sweep" and the random-weights twin's sweep both run.
 */

import type { ImageInput } from '../../pipeline/probe-run';
import { runSweep, type SweepRequest } from '../../pipeline/sweep-run';
import { withPipelineJob } from '../../state/jobs';
import type { SweepRun } from '../../state/results';
import type { SweepGrid } from './sweep-grid';

/**
 * Runs `req` as job `key`. `put` gets the grid every time a cell lands ('running'), at the end with
 * the sweep's status, and, when it fails, the cells computed so far with 'failed' before the error
 * is rethrown: the caller decides where the grid goes and how the error is told.
 */
export async function runSweepJob(
  key: string,
  label: string,
  run: AbortSignal,
  req: SweepRequest,
  input: ImageInput,
  put: (grid: SweepGrid, status: SweepRun['status']) => void,
): Promise<void> {
  let grid: SweepGrid | null = null;
  const show = (status: SweepRun['status']) => {
    if (grid) put(grid, status);
  };
  try {
    await withPipelineJob(
      key,
      label,
      run,
      async (rt, onProgress) => {
        const out = await runSweep(rt, req, input, {
          onGrid: (g) => {
            grid = g;
            show('running');
          },
          onProgress,
        });
        grid = out.grid;
        show(out.status);
      },
      // The chosen head's one test evaluation also runs after a Stop (as the probe's does in JS).
      ['applyHead'],
    );
  } catch (error) {
    show('failed');
    throw error;
  }
}
