/**
 * @file Adding the user's images: files, folders (ImageFolder layout: sub-folder = class), drops,
 * pastes and camera frames all end here. Every file is checked and converted on its own; a bad
 * file gets its own message and never stops the rest of the batch.
 */
import { describeError } from '../../app/messages';
import type { InvertMode } from '../../core/image/polarity';
import { summarisePolarity } from '../../core/image/polarity';
import { EtaEstimator } from '../../core/progress';
import {
  classFromPath,
  inputKey,
  invertModeFor,
  type UploadBatch,
  type UploadedImage,
} from '../../data/uploads';
import { getState } from '../../state/store';
import { decodeImageFile } from './decode';

export interface IncomingFile {
  file: Blob & { name?: string };
  /** Path inside a dropped or picked folder, e.g. "shoes/boot/1.png". */
  path?: string;
}

let batches = 0;

/** What a batch is called: its folder ("clothes/"), its one file's name, or "5 files". */
export function batchLabel(files: readonly IncomingFile[]): string {
  const folder = files[0]?.path?.split('/').filter(Boolean);
  if (folder && folder.length > 1 && files.every((f) => f.path?.startsWith(`${folder[0]}/`)))
    return `${folder[0]}/`;
  if (files.length === 1) return files[0].file.name ?? 'pasted image';
  return `${files.length} files`;
}

/** Files converted at once (the image workers take one each; the rest wait, read). */
const ADD_LANES = 8;

/**
 * Adds files as one batch: each converted in the image workers, a bad file named in one notice
 * while the rest are added. `decode` is a parameter for tests.
 */
export async function addImageFiles(
  files: IncomingFile[],
  decode: typeof decodeImageFile = decodeImageFile,
): Promise<UploadedImage[]> {
  const { model, notify } = getState();
  if (!model) {
    notify('error', 'No model loaded', 'Images are converted to the model’s input size; load a model first.');
    return [];
  }
  // A folder's files in path order, as the CLI (and torchvision's ImageFolder) reads them, so that
  // a split of the same folder picks the same images in both.
  if (files.every((f) => f.path))
    files = [...files].sort((a, b) => (a.path! < b.path! ? -1 : a.path! > b.path! ? 1 : 0));
  const batch: UploadBatch = { id: `batch-${++batches}`, label: batchLabel(files), invert: null };
  const invert = invertModeFor(model.manifest, batch);
  // Several files in flight keep every image worker busy while the next file is read; results
  // keep the files' order. A job with progress and Stop: a folder of photos takes a while.
  const results: (UploadedImage | string | undefined)[] = new Array(files.length);
  let next = 0;
  let done = 0;
  let stopped = false;
  const cancel = () => {
    stopped = true;
  };
  const many = files.length > 1;
  if (many) getState().startJob(`add-${batch.id}`, `Adding ${files.length} images (${batch.label})`, cancel);
  const eta = new EtaEstimator();
  const lane = async () => {
    while (next < files.length && !stopped) {
      const i = next++;
      const { file, path } = files[i];
      const name = file.name ?? 'pasted image';
      try {
        results[i] = await decode(
          file,
          model.manifest,
          path ? classFromPath(path) : null,
          name,
          invert,
          batch.id,
        );
      } catch (error) {
        const { title, text } = describeError(error);
        results[i] = `${name}: ${title.toLowerCase()} — ${text}`;
      }
      done++;
      if (many)
        getState().updateJob(`add-${batch.id}`, {
          done,
          total: files.length,
          etaMs: eta.update(done, files.length),
          note: name,
        });
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(ADD_LANES, files.length) }, lane));
  } finally {
    if (many) getState().endJob(`add-${batch.id}`);
  }
  const added = results.filter((r): r is UploadedImage => typeof r === 'object');
  const failures = results.filter((r): r is string => typeof r === 'string');
  if (stopped && done < files.length) failures.push(`${files.length - done} not added (stopped)`);
  const s = getState();
  if (added.length) {
    s.addUploads(added, batch);
    s.setView({ images: [added[0].id] });
    const classes = new Set(added.map((a) => a.className).filter(Boolean));
    const all = [...new Set(added.flatMap((a) => a.notes.map((n) => `${a.name}: ${n}`)))];
    const notes = all.length > 6 ? [...all.slice(0, 5), `… and ${all.length - 5} more notes.`] : all;
    const polarity = added.flatMap((a) => (a.polarity ? [a.polarity] : []));
    s.notify(
      'info',
      `Added ${added.length} image${added.length === 1 ? '' : 's'}`,
      [
        classes.size ? `${classes.size} classes from folder names: ${[...classes].join(', ')}.` : '',
        polarity.length ? `${capitalise(summarisePolarity(polarity))}.` : '',
        ...notes,
      ]
        .filter(Boolean)
        .join(' ') || 'Converted to the model’s input; originals stay in this browser.',
    );
  }
  if (failures.length)
    s.notify(
      'error',
      `Could not add ${failures.length} of ${files.length} file${files.length === 1 ? '' : 's'}`,
      failures.join(' · '),
    );
  // Another model may have been opened while these were decoded: convert them for it.
  if (added.length) void reconvertUploads();
  return added;
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * The user's polarity choice for a whole batch ('auto', 'always', 'never'; null: the model's).
 * Its images are converted again; results that used their old polarity (the extracted feature set,
 * the embedding) are cleared with a notice, and the explorer's pass is keyed on the polarity
 * (inputIdentity), so nothing computed from the other polarity is shown as if it were this one's.
 * Probe and sweep results keep their spec, which records which images were inverted.
 */
export async function setBatchInvert(
  batch: string,
  invert: InvertMode | null,
  decode: typeof decodeImageFile = decodeImageFile,
): Promise<void> {
  const before = new Map(
    getState()
      .uploads.filter((u) => u.batch === batch)
      .map((u) => [u.id, u.polarity?.inverted]),
  );
  getState().setBatchInvert(batch, invert);
  await reconvertUploads(decode);
  const changed = new Set(
    getState()
      .uploads.filter(
        (u) => before.has(u.id) && u.status === 'ready' && u.polarity?.inverted !== before.get(u.id),
      )
      .map((u) => u.id),
  );
  if (!changed.size) return;
  const s = getState();
  const uses = (ids: readonly string[] | undefined) => Boolean(ids?.some((id) => changed.has(id)));
  const cleared: string[] = [];
  if (uses(s.featureSet?.spec.imageIds)) {
    s.setFeatureSet(null);
    cleared.push('the extracted features');
  }
  const emb = s.embedding;
  if (uses(emb.main?.ids) || uses(emb.compare?.ids)) {
    s.setEmbedding({ main: null, compare: null });
    cleared.push('the embedding');
  }
  if (cleared.length)
    s.notify(
      'info',
      `Polarity of ${changed.size} image${changed.size === 1 ? '' : 's'} changed`,
      `${capitalise(cleared.join(' and '))} used the old polarity and ${cleared.length === 1 ? 'was' : 'were'} cleared; run ${cleared.length === 1 ? 'it' : 'them'} again.`,
    );
}

/** Counts conversion runs: a newer run (another model, more images) supersedes an older one. */
let conversionRun = 0;
const EMPTY_X0 = new Float32Array(0);
const EMPTY_BYTES = new Uint8Array(0);

/**
 * Converts every added image that is not yet converted for the loaded model's input (size,
 * channels, mean/std, invert) from its original bytes, as a job with progress and Stop. An image
 * that fails for this model is kept (it may suit the next one), marked failed, and named in one
 * notice; the others are converted regardless. `decode` is a parameter for tests.
 */
export async function reconvertUploads(decode: typeof decodeImageFile = decodeImageFile): Promise<void> {
  const model = getState().model;
  if (!model) return;
  const key = inputKey(model.manifest);
  const todo = getState().uploads.filter((u) => u.decodedFor !== key);
  if (!todo.length) return;
  const run = ++conversionRun;
  const current = () =>
    run === conversionRun && getState().model && inputKey(getState().model!.manifest) === key;
  let stopped = false;
  const cancel = () => {
    stopped = true;
  };
  const label = `Converting ${todo.length} image${todo.length === 1 ? '' : 's'} for ${model.manifest.name}`;
  getState().startJob('uploads', label, cancel);
  const failures: string[] = [];
  try {
    for (const [i, u] of todo.entries()) {
      if (!current()) return;
      if (stopped) {
        for (const left of todo.slice(i))
          getState().patchUpload(left.id, {
            status: 'failed',
            decodedFor: key,
            x0: EMPTY_X0,
            converted: EMPTY_BYTES,
            polarity: null,
            error: `${left.name} was not converted for this model (stopped)`,
          });
        break;
      }
      getState().updateJob('uploads', { done: i, total: todo.length, etaMs: null, note: u.name });
      try {
        const batch = getState().uploadBatches.find((b) => b.id === u.batch);
        const mode = invertModeFor(model.manifest, batch);
        const d = await decode(u.file, model.manifest, u.className, u.name, mode, u.batch);
        if (!current()) return;
        getState().patchUpload(u.id, {
          x0: d.x0,
          converted: d.converted,
          polarity: d.polarity,
          decoder: d.decoder,
          notes: d.notes,
          decodedFor: key,
          status: 'ready',
          error: undefined,
        });
      } catch (error) {
        if (!current()) return;
        const { title, text } = describeError(error);
        const why = `${title.toLowerCase()} — ${text}`;
        failures.push(`${u.name}: ${why}`);
        getState().patchUpload(u.id, {
          x0: EMPTY_X0,
          converted: EMPTY_BYTES,
          polarity: null,
          decodedFor: key,
          status: 'failed',
          error: `${u.name}: ${why}`,
        });
      }
    }
  } finally {
    if (getState().jobs.uploads?.cancel === cancel) getState().endJob('uploads');
  }
  if (failures.length)
    getState().notify(
      'error',
      `${failures.length} of ${todo.length} image${todo.length === 1 ? '' : 's'} cannot be used with ${model.manifest.name}`,
      `${failures.join(' · ')}. The other images were converted; these stay in the list for another model.`,
    );
}

/** "Use the bundled data set with this model": the explicit, per-model choice (see store.useBundledData). */
export function chooseBundledData(on: boolean): void {
  getState().setUseBundledData(on);
}

/** Walks dropped items, descending into folders (webkitGetAsEntry), keeping relative paths. */
export async function filesFromDrop(items: DataTransferItemList): Promise<IncomingFile[]> {
  const out: IncomingFile[] = [];
  const walk = async (entry: FileSystemEntry, prefix: string): Promise<void> => {
    if (entry.isFile) {
      const file = await new Promise<File>((resolve, reject) =>
        (entry as FileSystemFileEntry).file(resolve, reject),
      );
      out.push({ file, path: `${prefix}${file.name}` });
    } else if (entry.isDirectory) {
      const reader = (entry as FileSystemDirectoryEntry).createReader();
      // readEntries returns at most ~100 entries per call; call until it returns none.
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
          reader.readEntries(resolve, reject),
        );
        if (!batch.length) break;
        for (const e of batch) await walk(e, `${prefix}${entry.name}/`);
      }
    }
  };
  const entries = Array.from(items)
    .map((i) => i.webkitGetAsEntry?.())
    .filter((e): e is FileSystemEntry => Boolean(e));
  if (entries.length) for (const e of entries) await walk(e, '');
  else for (const i of Array.from(items)) if (i.kind === 'file') out.push({ file: i.getAsFile()! });
  return out;
}
