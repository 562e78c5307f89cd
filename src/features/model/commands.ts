/**
 * @file The "Model" dialog's intents: reopen the loaded model under edited settings, list the
 * graph's candidate blocks, save the manifest or the ONNX with its block outputs added.
 */
import { reconfigureModel } from '../../app/commands';
import type { Manifest } from '../../core/manifest/types';
import { runJob } from '../../state/jobs';
import { getState } from '../../state/store';
import { downloadBytes } from '../../ui/download';
import { manifestFile } from './edit-manifest';

export { reconfigureModel };

/** Asks the worker for the graph's candidate blocks (a dry run) and keeps them on the model. */
export async function findCandidateBlocks(): Promise<void> {
  const discovery = await runJob('model', 'Finding candidate blocks', 'discoverBlocks', {});
  const model = getState().model;
  if (discovery && model) getState().setModel({ ...model, discovery }, 'ready');
}

/** The manifest as `<model>.manifest.json`, next to which the ONNX file is expected. */
export function saveManifest(manifest: Manifest, fileName: string): void {
  const base = fileName.replace(/\.onnx$/i, '');
  downloadBytes(manifestFile(manifest), `${base}.manifest.json`, 'application/json');
}

/** The ONNX with the current blocks as graph outputs (any ONNX tool can then read them). */
export async function saveRewrittenOnnx(): Promise<void> {
  const out = await runJob('model', 'Preparing the ONNX file', 'exportModel', {});
  if (out) downloadBytes(out.bytes, out.fileName.replace(/(\.onnx)?$/i, '.blocks.onnx'));
}
