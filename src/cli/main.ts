/**
 * @file The headless CLI: the same core/ and pipeline/ code as the browser, on onnxruntime-node.
 * `main(argv, io)` runs one command and resolves its exit code (tests call it directly); bin.ts
 * is the executable (`npx diffprobe`, built to dist-cli/diffprobe.js).
 *
 * Exit codes: 0 success, 1 a failure (one line: what went wrong and what to do), 2 a wrong
 * command line, 130 interrupted.
 */
import { describeError } from '../app/messages';
import { type CommandSpec, formatHelp, type ParsedArgs, parseArgs, UsageError } from './args';
import { CKA_SPEC, runCkaCommand } from './cka';
import { type CliContext, type CliIO, DIFFPROBE_VERSION } from './context';
import { PCA_SPEC, runEmbedding, TSNE_SPEC, UMAP_SPEC } from './embed';
import { EXTRACT_SPEC, FEATURES_SPEC, runExtractCommand } from './extract';
import { MERGE_SPEC, runMerge } from './merge';
import { PROBE_SPEC, runProbeCommand } from './probe';
import { REPRODUCE_SPEC, runReproduce } from './reproduce';
import { runSweepCommand, SWEEP_SPEC } from './sweep';
import { runValidate, VALIDATE_SPEC } from './validate';

interface Command {
  spec: CommandSpec;
  run(ctx: CliContext, args: ParsedArgs): Promise<number>;
}

export const COMMANDS: Command[] = [
  { spec: VALIDATE_SPEC, run: runValidate },
  { spec: EXTRACT_SPEC, run: (ctx, a) => runExtractCommand(ctx, a.flags, false) },
  { spec: FEATURES_SPEC, run: (ctx, a) => runExtractCommand(ctx, a.flags, true) },
  { spec: PROBE_SPEC, run: runProbeCommand },
  { spec: SWEEP_SPEC, run: runSweepCommand },
  { spec: CKA_SPEC, run: runCkaCommand },
  { spec: TSNE_SPEC, run: (ctx, a) => runEmbedding(ctx, a, 'tsne') },
  { spec: PCA_SPEC, run: (ctx, a) => runEmbedding(ctx, a, 'pca') },
  { spec: UMAP_SPEC, run: (ctx, a) => runEmbedding(ctx, a, 'umap') },
  { spec: MERGE_SPEC, run: runMerge },
  { spec: REPRODUCE_SPEC, run: runReproduce },
];

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.spec.name.length)) + 2;
  return `diffprobe ${DIFFPROBE_VERSION} — look inside diffusion U-Nets, headless (onnxruntime-node)

usage: diffprobe <command> [options]      diffprobe <command> --help

commands:
${COMMANDS.map((c) => `  ${c.spec.name.padEnd(width)} ${c.spec.summary}`).join('\n')}

Exit codes: 0 done, 1 failed (the message says why and what to do), 2 wrong command line.
`;
}

/** Runs `argv` (the words after `diffprobe`); never throws, resolves the exit code. */
export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const cmd = name === 'help' && rest[0] ? COMMANDS.find((c) => c.spec.name === rest[0]) : undefined;
    io.out(cmd ? formatHelp(cmd.spec) : usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    io.out(DIFFPROBE_VERSION);
    return 0;
  }
  const command = COMMANDS.find((c) => c.spec.name === name);
  if (!command) {
    io.err.write(
      `diffprobe: unknown command ${JSON.stringify(name)} (commands: ${COMMANDS.map((c) => c.spec.name).join(', ')})\n`,
    );
    return 2;
  }
  try {
    const args = parseArgs(command.spec, rest);
    if (args.help) {
      io.out(formatHelp(command.spec));
      return 0;
    }
    return await command.run({ ...io, argv }, args);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err.write(`diffprobe ${name}: ${error.message}\n`);
      return 2;
    }
    const { code, title, text } = describeError(error, 'cli');
    io.err.write(`diffprobe ${name}: ${title}: ${oneLine(text)}\n`);
    if (code === 'internal' && io.env.DIFFPROBE_DEBUG) io.err.write(`${(error as Error)?.stack ?? ''}\n`);
    return code === 'cancelled' ? 130 : 1;
  }
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}
