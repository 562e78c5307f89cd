import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'tools/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    // tfjs's ES modules import without file extensions, which Node's loader refuses: run them
    // through Vite's transform, as the app's and the CLI's builds do (engine/tf-node.ts).
    server: { deps: { inline: [/@tensorflow\//] } },
    deps: {
      optimizer: {
        ssr: {
          enabled: true,
          include: [
            '@tensorflow/tfjs-core',
            '@tensorflow/tfjs-core/dist/register_all_gradients',
            '@tensorflow/tfjs-backend-wasm',
          ],
        },
      },
    },
  },
});
