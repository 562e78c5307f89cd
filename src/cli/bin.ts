#!/usr/bin/env node
/**
 * @file The `diffprobe` executable: runs main() on process.argv with the real streams, removes
 * unfinished outputs on Ctrl-C or SIGTERM (a scheduler's preemption), and exits with its code.
 */
import { main } from './main';
import { discardAllSync } from './output';

for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => {
    discardAllSync();
    process.stderr.write(`\ndiffprobe: interrupted (${signal}); unfinished output removed\n`);
    process.exit(130);
  });

main(process.argv.slice(2), {
  out: (line) => process.stdout.write(line.endsWith('\n') ? line : `${line}\n`),
  err: process.stderr,
  env: process.env,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`diffprobe: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
