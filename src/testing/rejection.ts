/**
 * @file The DiffProbeError a promise rejects with, for tests that check codes and messages.
 */
import { DiffProbeError } from '../core/errors';

/** Awaits `promise` and returns its DiffProbeError; anything else (or no rejection) throws. */
export async function rejection(promise: Promise<unknown>): Promise<DiffProbeError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DiffProbeError) return error;
    throw new Error(`rejected with something else than a DiffProbeError: ${String(error)}`);
  }
  throw new Error('the promise resolved; a rejection was expected');
}
