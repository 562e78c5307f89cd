/**
 * @file Node's door to TensorFlow.js (the CLI, the tests): tf-wasm.ts with the .wasm files read
 * from the installed package. The CLI bundles tfjs (vite.config.cli.ts: its ES modules are not
 * loadable by Node as published), so the Emscripten glue runs inside an ES module, where the
 * CommonJS names it reads in Node (`__dirname`, `require`) do not exist: they are given to it on
 * globalThis before it starts. The .wasm path comes from setWasmPaths, not from `__dirname`.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { DiffProbeError } from '../core/errors';
import type { TF } from '../core/heads/model';

export async function nodeTf(): Promise<TF> {
  const require = createRequire(import.meta.url);
  const dist = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
  const g = globalThis as { __dirname?: string; require?: NodeJS.Require };
  g.__dirname ??= dist;
  g.require ??= require;
  let wasmTf: typeof import('./tf-wasm').wasmTf;
  try {
    ({ wasmTf } = await import('./tf-wasm'));
  } catch (error) {
    // Unbundled (tsx: `npm run cli`), Node cannot load tfjs's extensionless ES modules.
    throw new DiffProbeError(
      'backend-unavailable',
      `TensorFlow.js could not be loaded (${String(error).split('\n')[0]}): the heads run in the built CLI (npx diffprobe, after npm run build:cli), not from the sources with tsx`,
    );
  }
  return wasmTf(`${dist}/`);
}
