/**
 * The project's install-script policy (package.json `allowScripts`, read by npm ≥ 11.16): every
 * installed dependency with an install script is approved or denied by name, so `npm install` and
 * `npm ci` print no "not yet covered by allowScripts" notice, and onnxruntime-node's is denied: its
 * only job is to download the CUDA provider from outside the npm registry (the CPU binaries ship in
 * the package), which a fresh machine here cannot reach and a CPU machine does not need
 * (`npm run install:cuda` fetches it on a GPU machine).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

/** name@version of every package under `dir` that runs an install-time script. */
function withInstallScripts(dir: string, found = new Set<string>()): Set<string> {
  if (!existsSync(dir)) return found;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.name.startsWith('@')) {
      withInstallScripts(path, found);
      continue;
    }
    const manifest = join(path, 'package.json');
    if (existsSync(manifest)) {
      const p = JSON.parse(readFileSync(manifest, 'utf8'));
      const scripts = p.scripts ?? {};
      // npm runs `node-gyp rebuild` for a binding.gyp without an install script of its own.
      if (
        scripts.preinstall ||
        scripts.install ||
        scripts.postinstall ||
        existsSync(join(path, 'binding.gyp'))
      )
        found.add(`${p.name}@${p.version}`);
    }
    withInstallScripts(join(path, 'node_modules'), found);
  }
  return found;
}

describe('install scripts', () => {
  it('every dependency with an install script is approved or denied in allowScripts', () => {
    const policy: Record<string, boolean> = pkg.allowScripts ?? {};
    const covered = (id: string) => {
      const name = id.slice(0, id.lastIndexOf('@'));
      return id in policy || name in policy;
    };
    const uncovered = [...withInstallScripts(join(ROOT, 'node_modules'))].filter((id) => !covered(id));
    expect(uncovered, 'review them, then `npm install-scripts approve|deny <pkg>`').toEqual([]);
  });

  it('onnxruntime-node’s CUDA download is denied, with no setting of npm’s own needed', () => {
    expect(pkg.allowScripts['onnxruntime-node']).toBe(false);
    // npm 11 warns about keys it does not know in a project .npmrc ("Unknown project config").
    expect(existsSync(join(ROOT, '.npmrc'))).toBe(false);
    expect(pkg.engines.npm).toBe('>=11.16');
  });
});
