import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, findChromium } from './e2e/support/chromium';

const PORT = Number(process.env.DIFFPROBE_E2E_PORT ?? 4179);
// A build folder of one's own (`vite build --outDir …`), so that parallel runs don't share dist/.
const DIST = process.env.DIFFPROBE_E2E_DIST ? ` --outDir ${process.env.DIFFPROBE_E2E_DIST}` : '';

export default defineConfig({
  testDir: 'e2e',
  testMatch: /.*\.spec\.ts$/,
  timeout: 120_000,
  expect: { timeout: 30_000 },
  fullyParallel: false,
  // One worker: the machine has ~1 effective core, and WASM/WebGPU timing-sensitive checks need it.
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    browserName: 'chromium',
    launchOptions: {
      executablePath: findChromium(),
      args: CHROMIUM_ARGS,
    },
    trace: 'off',
  },
  webServer: {
    command: `node node_modules/vite/bin/vite.js preview --port ${PORT} --strictPort --host 127.0.0.1${DIST}`,
    url: `http://127.0.0.1:${PORT}`,
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
