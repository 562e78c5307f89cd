/**
 * `npm run bench:heads`: the neural heads on the default model, up1_0 at t = 10, 2,000 + 1,000
 * images (the app's default split: 1,600 train, 400 validation, 1,000 test), from cached features:
 * - the browser: the worker's trainHead job in headless Chromium (tfjs on WASM, one thread), as
 *   the Probe panel runs it; its initial weights come back with the result;
 * - PyTorch (Debian's torch, one thread): tools/heads/train_torch.py, the same head from those very
 *   initial weights, on the same features, with the same settings (its own batch order and
 *   dropout masks, seeded).
 * For each head and each of SEEDS seeds (default 3): test accuracy and training time (training +
 * validation passes) on both sides, then the means: the parity check (|Δ mean test accuracy| ≤ 1
 * point, compared in hundredths of a point: accuracies on 1,000 images are tenths) and the time ratio. The features are extracted once by the CLI (`diffprobe features
 * --part …`, the browser's split and numbers) into build/bench/heads/.
 *
 * HEADS=mlp,attention picks the heads; EPOCHS caps the epochs (default: the heads' own).
 * REFERENCE=<checkout>:<build folder> trains the same heads, seed by seed, in another build side by
 * side (an older version of the code, served from its checkout), for a speed ratio taken in the
 * same minutes as the runs it compares (the machine is shared; its load moves absolute times 2–3×).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import type { HeadLayout } from '../../src/core/heads/layout';
import { defaultHead, type NeuralHead, type NeuralHeadKind } from '../../src/core/heads/spec';
import { readNpy } from '../../src/core/npy';
import type { HeadResult } from '../../src/worker/jobs';
import { openWasmPage, runMain, startPreview, withAppInChromium } from './browser';

const DIR = 'build/bench/heads';
const SEEDS = Number(process.env.SEEDS ?? 3);
const HEAD_KINDS = (process.env.HEADS ?? 'mlp,attention').split(',') as NeuralHeadKind[];
const POOLING: Record<NeuralHeadKind, string> = { mlp: 'avg', attention: 'grid8' };
const PARTS = ['train', 'validation', 'test'] as const;

function extract(): void {
  for (const part of PARTS) {
    if (existsSync(join(DIR, part, 'labels.npy'))) continue;
    execFileSync(
      process.execPath,
      [
        'dist-cli/diffprobe.js',
        'features',
        '--manifest',
        'public/models/fashion-mnist-ddpm/manifest.json',
        '--part',
        part,
        '--n-train',
        '2000',
        '--n-test',
        '1000',
        '--blocks',
        'up1_0',
        '--t',
        '10',
        '--pooling',
        'avg,grid8',
        '--out',
        join(DIR, part),
        '--force',
        '--quiet',
      ],
      { stdio: 'inherit' },
    );
  }
}

const features = (part: string, pooling: string) => join(DIR, part, 't10', pooling, 'up1_0.npy');
const labels = (part: string) => join(DIR, part, 'labels.npy');

function b64(path: string): string {
  return Buffer.from(readFileSync(path)).toString('base64');
}

interface Side {
  accuracy: number;
  seconds: number;
  epochs: number;
  bestEpoch: number;
}

const perEpoch = (s: Side) => s.seconds / s.epochs;

/** One head trained by the worker of the app on `page`; its result and wall time. */
async function train(
  page: Page,
  parts: Record<string, { X: string; y: string }>,
  head: NeuralHead,
  layout: HeadLayout,
) {
  // A page in the background gets its main thread throttled, which stalls the worker's job.
  await page.bringToFront();
  return page.evaluate(
    async ({ parts, head, layout }) => {
      const decode = (s: string) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
      // .npy: the header's length is at bytes 8–9, its dtype in 'descr'; the data follows it.
      const npy = (s: string) => {
        const bytes = decode(s);
        const start = 10 + (bytes[8] | (bytes[9] << 8));
        const descr = /'descr': '([^']+)'/.exec(new TextDecoder().decode(bytes.subarray(10, start)))![1];
        const body = bytes.slice(start).buffer;
        if (descr === '<f4') return new Float32Array(body);
        if (descr === '|u1') return Int32Array.from(new Uint8Array(body));
        if (descr === '<i4') return new Int32Array(body);
        return Int32Array.from(new BigInt64Array(body), Number);
      };
      const rows = (p: { X: string; y: string }) => ({
        X: npy(p.X) as Float32Array,
        y: npy(p.y) as Int32Array,
      });
      const train = rows(parts.train);
      const validation = rows(parts.validation);
      const test = rows(parts.test);
      const t0 = performance.now();
      const res = (await window.diffprobe.run(
        'trainHead',
        { head, layout, train, validation, test, returnInitial: true },
        [train.X.buffer, validation.X.buffer, test.X.buffer],
      )) as unknown as HeadResult;
      return {
        wall: (performance.now() - t0) / 1000,
        result: {
          ...res,
          initial: Object.fromEntries(
            Object.entries(res.initial!).map(([k, v]) => [k, { shape: v.shape, data: Array.from(v.data) }]),
          ),
          scaling: res.scaling && {
            mean: Array.from(res.scaling.mean),
            scale: Array.from(res.scaling.scale),
          },
        },
      };
    },
    { parts, head, layout },
  );
}

async function main() {
  mkdirSync(DIR, { recursive: true });
  extract();
  const results: Record<string, { browser: Side[]; torch: Side[]; reference: Side[] }> = {};
  const [refCwd, refDist] = (process.env.REFERENCE ?? '').split(':');
  const refServer = refCwd ? await startPreview(4194, { cwd: refCwd, outDir: refDist }) : null;
  await withAppInChromium(4193, async (chromium, url) => {
    const page = await openWasmPage(chromium, url, 1);
    const reference = refServer ? await openWasmPage(chromium, refServer.url, 1) : null;
    for (const kind of HEAD_KINDS) {
      const pooling = POOLING[kind];
      const parts = Object.fromEntries(
        PARTS.map((p) => [p, { X: b64(features(p, pooling)), y: b64(labels(p)) }]),
      );
      const d = readNpy(new Uint8Array(readFileSync(features('train', pooling)))).shape[1];
      const layout = {
        d,
        k: 10,
        groups: kind === 'attention' ? [{ channels: 64, height: 7, width: 7 }] : [],
      };
      results[kind] = { browser: [], torch: [], reference: [] };
      for (let seed = 0; seed < SEEDS; seed++) {
        const head: NeuralHead = defaultHead(kind, seed);
        if (process.env.EPOCHS) head.training.maxEpochs = Number(process.env.EPOCHS);
        const r = await train(page, parts, head, layout);
        const ref = reference ? await train(reference, parts, head, layout) : null;
        const res = r.result;
        const side = (h: HeadResult): Side => ({
          accuracy: h.testAccuracy!,
          seconds: (h.timings.trainMs + h.timings.validationMs) / 1000,
          epochs: h.iterations,
          bestEpoch: h.bestEpoch,
        });
        const browser = side(res as unknown as HeadResult);
        if (ref) {
          const old = side(ref.result as unknown as HeadResult);
          results[kind].reference.push(old);
          console.log(
            `${kind} seed ${seed}: reference build test ${(100 * old.accuracy).toFixed(2)}% in ${old.seconds.toFixed(1)} s (${old.epochs} epochs, ${perEpoch(old).toFixed(1)} s/epoch); this build ${perEpoch(browser).toFixed(1)} s/epoch: ${(perEpoch(old) / perEpoch(browser)).toFixed(2)}× faster`,
          );
        }
        const jobFile = join(DIR, `${kind}-seed${seed}.json`);
        writeFileSync(
          jobFile,
          JSON.stringify({
            head,
            layout,
            initial: res.initial,
            scaling: res.scaling,
            ...Object.fromEntries(PARTS.map((p) => [p, { X: features(p, pooling), y: labels(p) }])),
          }),
        );
        const out = JSON.parse(
          execFileSync('/usr/bin/python3', ['tools/heads/train_torch.py', jobFile])
            .toString()
            .trim()
            .split('\n')
            .at(-1)!,
        );
        const torch = {
          accuracy: out.testAccuracy,
          seconds: out.trainSeconds,
          epochs: out.epochs,
          bestEpoch: out.bestEpoch,
        };
        results[kind].browser.push(browser);
        results[kind].torch.push(torch);
        console.log(
          `${kind} seed ${seed}: browser test ${(100 * browser.accuracy).toFixed(2)}% in ${browser.seconds.toFixed(1)} s (${browser.epochs} epochs, epoch ${browser.bestEpoch} kept; ${r.wall.toFixed(1)} s with the transfer); PyTorch test ${(100 * torch.accuracy).toFixed(2)}% in ${torch.seconds.toFixed(1)} s (${torch.epochs} epochs, epoch ${torch.bestEpoch} kept)`,
        );
      }
    }
  });
  refServer?.stop();
  console.log(
    '\n| head | browser test accuracy (mean) | PyTorch test accuracy (mean) | Δ points | browser time (mean) | PyTorch time (mean) | browser / PyTorch time |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const [kind, r] of Object.entries(results)) {
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const ba = mean(r.browser.map((s) => s.accuracy));
    const ta = mean(r.torch.map((s) => s.accuracy));
    const bt = mean(r.browser.map((s) => s.seconds));
    const tt = mean(r.torch.map((s) => s.seconds));
    console.log(
      `| ${kind} | ${(100 * ba).toFixed(2)}% | ${(100 * ta).toFixed(2)}% | ${(100 * (ba - ta)).toFixed(2)} | ${bt.toFixed(1)} s | ${tt.toFixed(1)} s | ${(bt / tt).toFixed(2)}× |`,
    );
    console.log(
      `${kind} per epoch: browser ${mean(r.browser.map(perEpoch)).toFixed(1)} s, PyTorch ${mean(r.torch.map(perEpoch)).toFixed(1)} s${r.reference.length ? `, reference build ${mean(r.reference.map(perEpoch)).toFixed(1)} s (${(mean(r.reference.map(perEpoch)) / mean(r.browser.map(perEpoch))).toFixed(2)}× this build's)` : ''}; load average ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}`,
    );
    console.log(
      `${kind}: parity ${Math.abs(Math.round((ba - ta) * 1e4)) <= 100 ? 'within' : 'OUTSIDE'} ±1 point (Δ ${(100 * (ba - ta)).toFixed(2)}), browser / PyTorch time ${(bt / tt).toFixed(2)}× (${SEEDS} seeds)`,
    );
  }
}

runMain(main);
