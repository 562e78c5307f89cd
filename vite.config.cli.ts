/**
 * The CLI's build: `src/cli/bin.ts` and everything it imports (core, pipeline, engine/onnx-node,
 * the worker's embedding code) bundled by Vite into one ES module, `dist-cli/diffprobe.js`, that
 * plain Node runs (`npx diffprobe`, package.json "bin"). Packages stay imports of node_modules
 * (onnxruntime-node has native binaries, and the rest are already JavaScript), but for tfjs (below). Run by `npm run
 * build:cli`, and by npm itself after `npm ci` / `npm install` (the "prepare" script), so a clean
 * clone has a working `npx diffprobe`.
 */
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vite';

export default defineConfig({
  // No public/ copy: the CLI reads models and data from the paths it is given.
  publicDir: false,
  logLevel: 'warn',
  plugins: [
    {
      // The bin must be executable for npm to run it (`npx diffprobe`, `./dist-cli/diffprobe.js`).
      name: 'diffprobe-executable',
      writeBundle(options, bundle) {
        for (const name of Object.keys(bundle))
          if (name.endsWith('.js')) chmodSync(join(options.dir ?? 'dist-cli', name), 0o755);
      },
    },
  ],
  // tfjs is bundled: its published ES modules import without file extensions, which Node's loader
  // refuses (engine/tf-node.ts). Everything else stays an import of node_modules.
  ssr: { noExternal: [/^@tensorflow\//] },
  build: {
    ssr: 'src/cli/bin.ts',
    outDir: 'dist-cli',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    sourcemap: true,
    rollupOptions: {
      output: { entryFileNames: 'diffprobe.js', format: 'es' },
    },
  },
});
