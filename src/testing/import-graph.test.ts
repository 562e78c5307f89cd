// No import cycles in src/, type imports included (#23 §3): the layers (core → engine → pipeline →
// worker → state → features/ui) only work if nothing below imports what is above it, even a type.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importCycles, importGraph, importSpecifiers } from './import-graph';

const ROOT = new URL('../', import.meta.url).pathname;

function sources(dir: string, out = new Map<string, string>()): Map<string, string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) sources(path, out);
    else if (/\.tsx?$/.test(entry.name) && !/\.d\.ts$/.test(entry.name))
      out.set(relative(ROOT, path).split('\\').join('/'), readFileSync(path, 'utf8'));
  }
  return out;
}

describe('src/ has no import cycles', () => {
  it('none, type-only imports included', () => {
    const graph = importGraph(sources(ROOT));
    expect(graph.size).toBeGreaterThan(300);
    // Each entry reads "a.ts → b.ts → a.ts": move the shared type or function below both.
    expect(importCycles(graph).map((c) => c.join(' → '))).toEqual([]);
  });
});

describe('the import walker', () => {
  it('reads every form of import, types included, and nothing in comments or strings', () => {
    const code = `
      import { a } from './a';
      import type { B } from "./b";
      import {
        type C,
        d,
      } from './c';
      export { e } from './e';
      export type * from './f';
      import './side-effect';
      const lazy = await import('./lazy');
      // import { no } from './comment';
      /* export * from './block-comment' */
      const s = "import { x } from './string'";
      const re = /['"]/g; import { g } from './after-regex';
      const url = \`\${base}/import/from/'./template'\`;
      export const h = 1;
    `;
    expect(importSpecifiers(code)).toEqual([
      './a',
      './b',
      './c',
      './e',
      './f',
      './side-effect',
      './lazy',
      './after-regex',
    ]);
  });

  it('finds a cycle through a type import, and a longer one, each once', () => {
    const files = new Map([
      ['state/store.ts', "import type { Run } from '../features/probe/commands';"],
      ['features/probe/commands.ts', "import { getState } from '../../state/store';"],
      ['a.ts', "import { b } from './b';"],
      ['b.ts', "import { c } from './c/index';"],
      ['c/index.ts', "export { a } from '../a';"],
      ['leaf.ts', "import { a } from './a'; import x from 'a-package';"],
    ]);
    expect(importCycles(importGraph(files))).toEqual([
      ['a.ts', 'b.ts', 'c/index.ts', 'a.ts'],
      ['features/probe/commands.ts', 'state/store.ts', 'features/probe/commands.ts'],
    ]);
  });
});
