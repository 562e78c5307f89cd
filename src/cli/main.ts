/**
 * @file The headless CLI: the same core/ and pipeline/ code as the browser, on onnxruntime-node.
 *
 *   npm run cli -- validate <manifest.json>
 *   npm run cli -- extract --manifest <m.json> [--split test] [--count 1000] [--t 100] [--blocks mid,up1_0]
 *                          [--pooling avg|max|avg2|avg4] [--seed 0] [--batch 32] [--threads 2] --out features.npy
 */
import { describeError } from '../app/messages';
import { runExtract } from './extract';
import { runFeatures } from './features';
import { runValidate } from './validate';

const USAGE = `usage:
  diffprobe validate <manifest.json>
  diffprobe extract --manifest <manifest.json> --out <file.npy> [--split train|test] [--count N] [--t T]
                    [--blocks a,b] [--pooling avg|max|avg2|avg4] [--seed S] [--batch B] [--threads K]
  diffprobe features --manifest <manifest.json> --out <dir> --t 0,25,100 [--split train|test] [--start I]
                    [--count N] [--pooling avg,avg2] [--seed S] [--batch B] [--threads K]`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'validate':
      return runValidate(rest);
    case 'extract':
      return runExtract(rest);
    case 'features':
      return runFeatures(rest);
    default:
      console.error(USAGE);
      return command === undefined || command === '--help' ? 0 : 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    const { title, text } = describeError(error);
    console.error(`error: ${title}\n${text}`);
    process.exit(1);
  },
);
