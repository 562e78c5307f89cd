import { readFile } from 'node:fs/promises';
import { validateManifest } from '../core/manifest/validate';

/** `validate <manifest.json>`: exit 0 and a summary when valid; throws (exit 1) listing every problem. */
export async function runValidate(args: string[]): Promise<number> {
  if (args.length !== 1) {
    console.error('usage: diffprobe validate <manifest.json>');
    return 2;
  }
  const text = await readFile(args[0], 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    console.error(`error: ${args[0]} is not valid JSON: ${(error as Error).message}`);
    return 1;
  }
  const manifest = validateManifest(json);
  console.log(
    `ok: ${manifest.name} — ${manifest.blocks.length} blocks, input ${manifest.input.channels}×${manifest.input.height}×${manifest.input.width}`,
  );
  return 0;
}
