/**
 * Finds a Chromium for the end-to-end tests, in this order: $CHROMIUM_PATH (or
 * $PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH), `chromium` / `chromium-browser` / `google-chrome` on PATH,
 * then Playwright's own browser cache. If none is found it throws with how to get one: the e2e step
 * must fail loudly, never skip.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

function onPath(name: string): string | null {
  try {
    const out = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
    return out || null;
  } catch {
    return null;
  }
}

function inPlaywrightCache(): string | null {
  const root = process.env.PLAYWRIGHT_BROWSERS_PATH || join(homedir(), '.cache', 'ms-playwright');
  if (!existsSync(root)) return null;
  const dirs = readdirSync(root)
    .filter((d) => /^chromium(_headless_shell)?-\d+$/.test(d))
    .sort()
    .reverse();
  for (const dir of dirs) {
    for (const rel of [
      'chrome-linux/chrome',
      'chrome-linux64/chrome',
      'chrome-linux/headless_shell',
      'chrome-headless-shell-linux64/chrome-headless-shell',
      'chrome-mac/Chromium.app/Contents/MacOS/Chromium',
      'chrome-win/chrome.exe',
    ]) {
      const candidate = join(root, dir, rel);
      if (existsSync(candidate)) return candidate;
    }
  }
  return null;
}

export function findChromium(): string {
  const fromEnv = process.env.CHROMIUM_PATH || process.env.PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`CHROMIUM_PATH points to ${fromEnv}, which does not exist.`);
    return fromEnv;
  }
  const found =
    onPath('chromium') ?? onPath('chromium-browser') ?? onPath('google-chrome') ?? inPlaywrightCache();
  if (found) return found;
  throw new Error(
    [
      'No Chromium found for the end-to-end tests.',
      'Install one: on Debian/Ubuntu `sudo apt-get install chromium`; elsewhere `npx playwright install chromium`.',
      'Or point CHROMIUM_PATH at a Chromium/Chrome executable.',
    ].join('\n'),
  );
}

/**
 * Launch flags for this closed network: no background traffic (updates, sync, QUIC), no sandbox
 * (root in CI), and --enable-unsafe-webgpu, without which requestAdapter() returns null and the
 * WebGPU path could not be tested (it then runs on Chromium's SwiftShader software adapter).
 *
 * Headless Chromium (156 here) builds each new window's omnibox popup as a WebUI page in a renderer
 * of its own, at once: on two vCPUs that renderer took a third to a half of a core for the first
 * 4 s of every new context, and so of every cold load we time (tools/bench/load.ts: 4.3 s to ready
 * with it, 3.7 s without, the same build). A person's browser built it when its window opened, long
 * before our page; the flags below leave it out of our measurements.
 */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  '--enable-unsafe-webgpu',
  '--disable-features=PreloadTopChromeWebUI,WebUIOmniboxPopup,WebUIOmniboxAimPopup,WebUIOmniboxFullPopup',
];
