/**
 * @file `validate <manifest.json>`: the app's own manifest validator; exit 0 and a summary when
 * valid, else the code's message listing every problem (exit 1).
 */
import type { CommandSpec, ParsedArgs } from './args';
import type { CliContext } from './context';
import { loadManifestFile } from './load';

export const VALIDATE_SPEC: CommandSpec = {
  name: 'validate',
  summary: 'check a model manifest with the app’s validator',
  positionals: { name: '<manifest.json>', min: 1, max: 1 },
  options: [],
  details: 'Exit code 0 when the manifest is valid, 1 with every problem listed when it is not.',
};

export async function runValidate(ctx: CliContext, args: ParsedArgs): Promise<number> {
  const manifest = await loadManifestFile(args.positionals[0]);
  ctx.out(
    `ok: ${manifest.name} — ${manifest.blocks.length} blocks, input ${manifest.input.channels}×${manifest.input.height}×${manifest.input.width}`,
  );
  return 0;
}
