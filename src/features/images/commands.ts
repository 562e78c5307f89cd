/**
 * @file Adding the user's images: files, folders (ImageFolder layout: sub-folder = class), drops,
 * pastes and camera frames all end here. Every file is checked and converted on its own; a bad
 * file gets its own message and never stops the rest of the batch.
 */
import { describeError } from '../../app/messages';
import { classFromPath, decodeImageFile, type UploadedImage } from '../../data/uploads';
import { getState } from '../../state/store';

export interface IncomingFile {
  file: Blob & { name?: string };
  /** Path inside a dropped or picked folder, e.g. "shoes/boot/1.png". */
  path?: string;
}

export async function addImageFiles(files: IncomingFile[]): Promise<UploadedImage[]> {
  const { model, notify } = getState();
  if (!model) {
    notify('error', 'No model loaded', 'Images are converted to the model’s input size; load a model first.');
    return [];
  }
  const added: UploadedImage[] = [];
  const failures: string[] = [];
  for (const { file, path } of files) {
    try {
      added.push(await decodeImageFile(file, model.manifest, path ? classFromPath(path) : null));
    } catch (error) {
      const { title, text } = describeError(error);
      failures.push(`${file.name ?? 'image'}: ${title.toLowerCase()} — ${text}`);
    }
  }
  const s = getState();
  if (added.length) {
    s.addUploads(added);
    s.setView({ images: [added[0].id] });
    const classes = new Set(added.map((a) => a.className).filter(Boolean));
    const notes = [...new Set(added.flatMap((a) => a.notes.map((n) => `${a.name}: ${n}`)))];
    s.notify(
      'info',
      `Added ${added.length} image${added.length === 1 ? '' : 's'}`,
      [classes.size ? `${classes.size} classes from folder names: ${[...classes].join(', ')}.` : '', ...notes]
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
  return added;
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
