/**
 * @file The project's import graph, for the test that keeps it free of cycles
 * (import-graph.test.ts). Type-only imports count: a cycle through types still ties the layers
 * together (the store imported its result types from the features, which import the store).
 *
 * Why not madge: it is 60+ packages for one test, and its TypeScript detective needs the
 * `typescript` compiler API, which TypeScript 7 (the project's, a native binary) no longer ships
 * as JavaScript. The project's imports are plain ES syntax, so a small lexer does: it drops
 * comments, keeps string literals aside (a `from '…'` inside a string or a comment is no import),
 * and reads `import … from`, `export … from`, `import '…'` and `import('…')`. Only relative
 * specifiers are followed (packages cannot import us back).
 */

/** Path (relative to the root, '/'-separated) → the paths it imports, in order, each once. */
export type ImportGraph = Map<string, string[]>;

/**
 * `code` with comments removed and every string or template literal replaced by `"\0N"`, N an
 * index into `strings`. Regular expression literals are skipped whole (so a quote inside one
 * starts no string), told from division by the token before them.
 */
export function sanitize(code: string): { code: string; strings: string[] } {
  const strings: string[] = [];
  let out = '';
  let i = 0;
  /** The last significant character written: a regex can follow these, a division cannot. */
  let last = '';
  const regexMayFollow = () =>
    last === '' ||
    '(,=:[!&|?{};+-*%<>~^'.includes(last) ||
    /\b(?:return|typeof|case|in|of|void)$/.test(out.trimEnd());
  while (i < code.length) {
    const c = code[i];
    const next = code[i + 1];
    if (c === '/' && next === '/') {
      while (i < code.length && code[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = code.indexOf('*/', i + 2);
      i = end < 0 ? code.length : end + 2;
      out += ' ';
    } else if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      let text = '';
      while (j < code.length && code[j] !== c) {
        if (code[j] === '\\') {
          text += code[j + 1] ?? '';
          j += 2;
          continue;
        }
        // A template's ${…} may hold anything, even a nested template: skip to its matching brace.
        if (c === '`' && code[j] === '$' && code[j + 1] === '{') {
          let depth = 0;
          for (; j < code.length; j++) {
            if (code[j] === '{') depth++;
            else if (code[j] === '}' && --depth === 0) break;
          }
          j++;
          continue;
        }
        text += code[j++];
      }
      out += `"\0${strings.length}"`;
      strings.push(text);
      last = '"';
      i = j + 1;
    } else if (c === '/' && regexMayFollow()) {
      let j = i + 1;
      let inClass = false;
      while (j < code.length && code[j] !== '\n' && (code[j] !== '/' || inClass)) {
        if (code[j] === '\\') j++;
        else if (code[j] === '[') inClass = true;
        else if (code[j] === ']') inClass = false;
        j++;
      }
      out += '/re/';
      last = '/';
      i = j + 1;
    } else {
      out += c;
      if (!/\s/.test(c)) last = c;
      i++;
    }
  }
  return { code: out, strings };
}

const STATIC = /\b(?:import|export)\b[^;"]*?\bfrom\s*"\0(\d+)"/g;
const BARE = /\bimport\s*"\0(\d+)"/g;
const DYNAMIC = /\bimport\s*\(\s*"\0(\d+)"\s*\)/g;

/** Every module specifier `code` imports or re-exports (types included), in order. */
export function importSpecifiers(code: string): string[] {
  const { code: clean, strings } = sanitize(code);
  const found: [number, string][] = [];
  for (const re of [STATIC, BARE, DYNAMIC])
    for (const m of clean.matchAll(re)) found.push([m.index ?? 0, strings[Number(m[1])]]);
  return found.sort((a, b) => a[0] - b[0]).map(([, s]) => s);
}

const EXTENSIONS = ['.ts', '.tsx', '/index.ts', '/index.tsx'];

/** `specifier` imported from `from`, as one of `files`; null when it is a package or not source. */
export function resolveImport(from: string, specifier: string, files: ReadonlySet<string>): string | null {
  if (!specifier.startsWith('.')) return null;
  const parts = from.split('/').slice(0, -1);
  for (const p of specifier.split('?')[0].split('/')) {
    if (p === '..') parts.pop();
    else if (p !== '.') parts.push(p);
  }
  const base = parts.join('/');
  if (files.has(base)) return base;
  for (const ext of EXTENSIONS) if (files.has(base + ext)) return base + ext;
  return null;
}

/** The graph of `sources` (path → text) through relative imports. */
export function importGraph(sources: ReadonlyMap<string, string>): ImportGraph {
  const files = new Set(sources.keys());
  const graph: ImportGraph = new Map();
  for (const [path, text] of sources) {
    const targets = importSpecifiers(text)
      .map((s) => resolveImport(path, s, files))
      .filter((t): t is string => t !== null);
    graph.set(path, [...new Set(targets)]);
  }
  return graph;
}

/**
 * Every import cycle, one per strongly connected component (Tarjan), each as the path of one
 * cycle through it starting and ending at its first file in sorted order: `a → b → a`.
 */
export function importCycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let counter = 0;
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) components.push(component);
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return components.map((c) => cycleThrough(graph, new Set(c))).sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/** One shortest cycle inside `component` from its first file (breadth-first back to itself). */
function cycleThrough(graph: ImportGraph, component: Set<string>): string[] {
  const start = [...component].sort()[0];
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of graph.get(v) ?? []) {
      if (!component.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let u = v; u !== start; u = previous.get(u)!) path.splice(1, 0, u);
        return [...path, start];
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}
