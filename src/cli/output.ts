/**
 * @file Outputs that never look complete before they are: everything is written into a temporary
 * directory beside the target, `run.json` last, and renamed into place at the end. A failed or
 * interrupted command removes its temporary directory (also on Ctrl-C, see discardAllSync), so
 * the target either holds a whole result with its run.json, or is left as it was.
 *
 * A target ending in `.npy` is a file output: the files go beside it under its name
 * (`f.npy`, `f.labels.npy`, `f.ids.txt`, `f.run.json`).
 */
import { rmSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UsageError } from './args';

const open = new Set<string>();

/** Removes every temporary output still open (for signal handlers). */
export function discardAllSync(): void {
  for (const dir of open) rmSync(dir, { recursive: true, force: true });
  open.clear();
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

export class Output {
  private committed = false;

  private constructor(
    /** The final path: a directory, or the main .npy file. */
    readonly target: string,
    private readonly tmp: string,
    readonly fileMode: boolean,
    private readonly force: boolean,
  ) {}

  /**
   * Opens an output for `target`. An existing non-empty target is an error unless `force`
   * (then it is replaced at commit, not before).
   */
  static async create(
    target: string,
    options: { force?: boolean; allowFile?: boolean } = {},
  ): Promise<Output> {
    const fileMode = target.toLowerCase().endsWith('.npy');
    if (fileMode && !options.allowFile)
      throw new UsageError(`--out ${target}: this command writes several files; give a directory`);
    const parent = dirname(target);
    await mkdir(parent, { recursive: true });
    if (!options.force) {
      if (fileMode ? await exists(target) : await nonEmpty(target))
        throw new UsageError(`--out ${target} already exists; remove it or pass --force to replace it`);
    }
    const tmp = join(parent, `.${basename(target)}.tmp-${process.pid}-${Date.now().toString(36)}`);
    await mkdir(tmp, { recursive: true });
    open.add(tmp);
    return new Output(target, tmp, fileMode, options.force === true);
  }

  /** Where to write `name` ('features.npy', 'labels.npy', 'sweep.csv', …) before the commit. */
  file(name: string): string {
    return join(this.tmp, name);
  }

  async write(name: string, data: Uint8Array | string): Promise<void> {
    await writeFile(this.file(name), data);
  }

  /** The final path of `name` once committed. */
  finalPath(name: string): string {
    if (!this.fileMode) return join(this.target, name);
    if (name === 'features.npy') return this.target;
    return join(dirname(this.target), `${basename(this.target).replace(/\.npy$/i, '')}.${name}`);
  }

  /** Writes run.json last and moves everything into place; returns the final paths. */
  async commit(run: object): Promise<string[]> {
    await writeFile(this.file('run.json'), `${JSON.stringify(run, null, 2)}\n`);
    const names = (await readdir(this.tmp)).sort((a, b) =>
      a === 'run.json' ? 1 : b === 'run.json' ? -1 : a < b ? -1 : 1,
    );
    if (this.fileMode) {
      for (const name of names) await rename(this.file(name), this.finalPath(name));
      await rm(this.tmp, { recursive: true, force: true });
    } else {
      if (await exists(this.target)) {
        if (this.force || !(await nonEmpty(this.target))) {
          const old = `${this.tmp}.old`;
          await rename(this.target, old);
          await rename(this.tmp, this.target);
          await rm(old, { recursive: true, force: true });
        } else
          throw new UsageError(`--out ${this.target} appeared while this ran; the result is in ${this.tmp}`);
      } else await rename(this.tmp, this.target);
    }
    open.delete(this.tmp);
    this.committed = true;
    return names.map((n) => this.finalPath(n));
  }

  /** Removes the temporary directory (after a failure). */
  async discard(): Promise<void> {
    if (this.committed) return;
    await rm(this.tmp, { recursive: true, force: true });
    open.delete(this.tmp);
  }
}

async function nonEmpty(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length > 0;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return false;
    if (code === 'ENOTDIR') return true;
    throw error;
  }
}

/** Runs `body` with an open output, discarding it if `body` throws. */
export async function withOutput<T>(output: Output, body: (out: Output) => Promise<T>): Promise<T> {
  try {
    return await body(output);
  } catch (error) {
    await output.discard();
    throw error;
  }
}
