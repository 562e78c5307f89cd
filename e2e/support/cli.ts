/**
 * The command-line tool as a user runs it: dist-cli/diffprobe.js spawned with Node. It is built
 * again only when a source file is newer than it (npm ci builds it; a run after an edit rebuilds).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect } from '@playwright/test';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist-cli/diffprobe.js');

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) t = Math.max(t, statSync(join(e.parentPath, e.name)).mtimeMs);
  return t;
}

/** Builds dist-cli when it is missing or older than src/. */
export function ensureCli(): void {
  let built = 0;
  try {
    built = statSync(CLI).mtimeMs;
  } catch {}
  if (built >= newest(join(ROOT, 'src'))) return;
  execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '-c', 'vite.config.cli.ts'],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
}

/** Runs `diffprobe <args>` (quiet, one thread, no cache) and returns its stdout; fails the test on a non-zero exit. */
export function runCli(args: string[]): string {
  const r = spawnSync(process.execPath, [CLI, ...args, '--no-cache', '--quiet', '--threads', '1'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}
