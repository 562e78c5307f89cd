/**
 * @file `tsne`, `pca`, `umap`: a 2-D embedding of pooled features by the app's own code — the
 * worker's embed handler (worker/handlers/embed.ts: core/embedding's t-SNE and PCA, umap-js with
 * the seeded generator, the k-NN quality readout) driven in Node. The features come from a .npy
 * (an `extract` output), or are extracted first from a model (--manifest, as `extract`).
 *
 * Writes coords.npy [N, 2] float32, embedding.csv (id,label,x,y; the app's CSV export),
 * embedding.json (the app's JSON export; with a model, its provenance record: `reproduce` reads it),
 * embedding.svg (the app's point and legend fragments, its class colours) and run.json.
 */

import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { scaleLinear } from 'd3-scale';
import { schemeTableau10 } from 'd3-scale-chromatic';
import { DiffProbeError } from '../core/errors';
import { numbersKey } from '../core/manifest/numbers-key';
import { readNpy, writeNpy } from '../core/npy';
import { POOLING_KINDS, poolingChoices } from '../core/pooling-kinds';
import { nodeRuntimeVersion } from '../engine/onnx-node';
import {
  embeddingToCsv,
  embeddingToJson,
  legendSvgFragment,
  pointsSvgFragment,
} from '../features/embedding/export';
import { fitExtent } from '../features/embedding/points';
import { APP_VERSION } from '../pipeline/feature-spec';
import { buildProvenance, nodeOrigin, type Provenance } from '../pipeline/provenance';
import type { JobContext } from '../worker/context';
import { DEFAULT_EMBED_OPTIONS, METHOD_NAMES } from '../worker/embedding/embedder';
import { embed } from '../worker/handlers/embed';
import type { EmbedMethod, EmbedOptions, EmbedResult } from '../worker/jobs';
import { type CommandSpec, int, num, type ParsedArgs, required, str, UsageError } from './args';
import {
  blocksOf,
  CACHE_OPTIONS,
  cacheDirOf,
  DATA_OPTIONS,
  imagesIdentity,
  MODEL_OPTIONS,
  maxT,
  OUT_OPTION,
  OUTPUT_OPTIONS,
  openModelFile,
  POOLING_BY_NAME,
  poolingsOf,
  SEED_OPTION,
  startSession,
} from './common';
import { type CliContext, runRecord, sha256HexSync } from './context';
import { imagesAndShard } from './extract';
import { extractRows } from './extract-run';
import { withImageSetRecord } from './image-record';
import { Output, withOutput } from './output';
import { createProgress } from './progress';

function spec(method: EmbedMethod): CommandSpec {
  const name = METHOD_NAMES[method];
  const own: CommandSpec['options'] =
    method === 'tsne'
      ? [
          {
            name: 'perplexity',
            value: 'P',
            help: 't-SNE perplexity',
            default: String(DEFAULT_EMBED_OPTIONS.perplexity),
          },
          {
            name: 'iterations',
            value: 'N',
            help: 'iterations',
            default: String(DEFAULT_EMBED_OPTIONS.nIter),
          },
          { name: 'learning-rate', value: 'auto|R', help: 'learning rate', default: 'auto' },
          {
            name: 'early-exaggeration',
            value: 'E',
            help: 'early exaggeration',
            default: String(DEFAULT_EMBED_OPTIONS.earlyExaggeration),
          },
        ]
      : method === 'umap'
        ? [
            {
              name: 'neighbors',
              value: 'K',
              help: 'UMAP neighbours',
              default: String(DEFAULT_EMBED_OPTIONS.nNeighbors),
            },
            {
              name: 'min-dist',
              value: 'D',
              help: 'UMAP minimum distance',
              default: String(DEFAULT_EMBED_OPTIONS.minDist),
            },
            { name: 'iterations', value: 'N', help: 'epochs', default: '200' },
          ]
        : [];
  return {
    name: method,
    summary: `${name} of pooled features: coordinates, CSV and an SVG (the app’s ${name})`,
    options: [
      OUT_OPTION,
      {
        name: 'features',
        value: '<file.npy|dir>',
        help: 'features [N, D] (an extract output: a .npy, or a directory with --blocks)',
      },
      ...own,
      { name: 'embed-seed', value: 'S', help: 'seed of the embedding’s random draws', default: '0' },
      { name: 'standardize', help: 'standardise each feature before embedding (off, as in the app)' },
      { name: 't', value: 'T', help: 'with a model: timestep', default: '100' },
      {
        name: 'pooling',
        value: poolingChoices((n) => POOLING_KINDS[n].pooling.kind !== 'grid' && n !== 'raw'),
        help: 'with a model: pooling',
        default: 'avg',
      },
      {
        name: 'blocks',
        value: 'a,b',
        help: 'blocks, concatenated per image (with a model, or a --features directory)',
      },
      { ...SEED_OPTION, help: 'with a model: noise seed' },
      ...MODEL_OPTIONS,
      ...DATA_OPTIONS.map((o) =>
        o.name === 'labels'
          ? { ...o, help: `${o.help}; with --features: labels [N] (default: labels.npy beside it)` }
          : o,
      ),
      ...CACHE_OPTIONS,
      ...OUTPUT_OPTIONS,
    ],
    details: `Give --features (a .npy [N, D], or an extract directory with --blocks), or --model / --manifest (features are extracted first).

examples:
  diffprobe ${method} --features feats/ --blocks up1_0 --out ${method}-up1_0/
  diffprobe ${method} --manifest m.json --count 2000 --blocks mid,up1_0 --t 25 --out ${method}/`,
  };
}

export const TSNE_SPEC = spec('tsne');
export const PCA_SPEC = spec('pca');
export const UMAP_SPEC = spec('umap');

type Flags = ParsedArgs['flags'];

interface Features {
  X: Float32Array;
  n: number;
  d: number;
  labels: Int32Array | null;
  classes: string[] | null;
  ids: string[];
  identity: Record<string, unknown>;
  record: Record<string, unknown>;
  /** The export's provenance record, for features extracted from a model (null from a .npy). */
  provenance: ((method: EmbedMethod, options: EmbedOptions) => Promise<Provenance>) | null;
  /** The pooling's name (with a model). */
  pooling: string | null;
  t: number | null;
  seed: number | null;
  blocks: string[] | null;
}

async function featuresFromFiles(flags: Flags): Promise<Features> {
  const path = str(flags, 'features')!;
  let file = path;
  let dir = dirname(path);
  const isNpy = path.toLowerCase().endsWith('.npy');
  const blocks = str(flags, 'blocks')?.split(',');
  if (!isNpy) {
    if (!blocks) throw new UsageError('--features <dir> needs --blocks (which <block>.npy to use)');
    dir = path;
  }
  const read = async (p: string) => {
    try {
      return new Uint8Array(await readFile(p));
    } catch (error) {
      throw new DiffProbeError('npy-invalid', `cannot read ${p}: ${(error as NodeJS.ErrnoException).code}`);
    }
  };
  const parts = isNpy ? [file] : blocks!.map((b) => join(dir, `${b}.npy`));
  const mats = [];
  for (file of parts) {
    const a = readNpy(await read(file));
    if (a.shape.length !== 2 || !(a.data instanceof Float32Array || a.data instanceof Float64Array))
      throw new DiffProbeError(
        'npy-invalid',
        `${file} must be a float [N, D] matrix, got ${a.descr} (${a.shape.join(', ')})`,
      );
    mats.push({ data: Float32Array.from(a.data), n: a.shape[0], d: a.shape[1], file });
  }
  const n = mats[0].n;
  if (mats.some((m) => m.n !== n))
    throw new DiffProbeError('npy-invalid', `the --blocks files have different row counts`);
  const d = mats.reduce((s, m) => s + m.d, 0);
  const X = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    let o = i * d;
    for (const m of mats) {
      X.set(m.data.subarray(i * m.d, (i + 1) * m.d), o);
      o += m.d;
    }
  }
  const stem = isNpy ? path.replace(/\.npy$/i, '') : null;
  const labelsPath =
    str(flags, 'labels') ??
    (stem && !stem.endsWith('/features') ? `${stem}.labels.npy` : join(dir, 'labels.npy'));
  let labels: Int32Array | null = null;
  try {
    const l = readNpy(await read(labelsPath));
    if (l.shape.length !== 1 || l.shape[0] !== n)
      throw new DiffProbeError('npy-invalid', `${labelsPath} has ${l.shape.join('×')} labels for ${n} rows`);
    labels = Int32Array.from(l.data as ArrayLike<number | bigint>, Number);
  } catch (error) {
    if (str(flags, 'labels')) throw error;
  }
  let ids: string[] = [];
  try {
    ids = (await readFile(isNpy ? `${stem}.ids.txt` : join(dir, 'ids.txt'), 'utf8'))
      .split('\n')
      .filter(Boolean);
  } catch {}
  if (ids.length !== n) ids = Array.from({ length: n }, (_, i) => String(i));
  const hashes = mats.map((m) => ({ file: m.file, sha256: sha256HexSync(m.data) }));
  return {
    X,
    n,
    d,
    labels,
    classes: await classesBeside(isNpy ? `${stem}.run.json` : join(dir, 'run.json')),
    ids,
    identity: { features: hashes.map((h) => h.sha256), labels: labels ? sha256HexSync(labels) : null },
    record: { features: { files: hashes, labels: labels ? labelsPath : null } },
    provenance: null,
    pooling: null,
    t: null,
    seed: null,
    blocks: blocks ?? null,
  };
}

/** The class names an extract output's run.json records, if any. */
async function classesBeside(runJson: string): Promise<string[] | null> {
  try {
    const classes = JSON.parse(await readFile(runJson, 'utf8'))?.images?.classes;
    return Array.isArray(classes) && classes.every((c) => typeof c === 'string') ? classes : null;
  } catch {
    return null;
  }
}

async function featuresFromModel(ctx: CliContext, flags: Flags): Promise<Features> {
  const file = await openModelFile(flags, 'embedding');
  const t = int(flags, 't', 100, 0, maxT(file));
  const [pooling] = poolingsOf(flags);
  const blocks = blocksOf(flags, file);
  const seed = int(flags, 'seed', 0, 0, 0xffffffff);
  const { images, rows, selection } = await imagesAndShard(ctx, flags, file, false);
  const model = await startSession(flags, file);
  try {
    const progress = createProgress(ctx.err, 'features', rows.length, 'images', {
      quiet: flags.quiet === true,
    });
    const dims: Record<string, number> = {};
    const parts: Record<string, Float32Array[]> = Object.fromEntries(blocks.map((b) => [b, []]));
    await extractRows(
      {
        model,
        images,
        rows,
        timesteps: [t],
        poolings: [pooling],
        blocks,
        seed,
        batch: int(flags, 'batch', 32, 1, 4096),
        cacheDir: cacheDirOf(flags, ctx.env),
        progress,
      },
      async (chunk) => {
        for (const b of blocks) {
          dims[b] = chunk.dims[pooling][b];
          parts[b].push(chunk.features[pooling][b]);
        }
      },
    );
    progress.finish();
    const n = rows.length;
    const d = blocks.reduce((s, b) => s + dims[b], 0);
    const X = new Float32Array(n * d);
    let o0 = 0;
    for (const b of blocks) {
      let row = 0;
      for (const part of parts[b])
        for (let i = 0; i < part.length / dims[b]; i++, row++)
          X.set(part.subarray(i * dims[b], (i + 1) * dims[b]), row * d + o0);
      o0 += dims[b];
    }
    const settings = { t, pooling, blocks, seed };
    // After the extraction: a folder's polarity decisions are known by then.
    const origin = nodeOrigin(model, nodeRuntimeVersion());
    const x0 = await images.modelInput(rows, model.manifest);
    const labelRows = images.labels ? Int32Array.from(rows, (r) => images.labels![r]) : undefined;
    const provenance = async (method: EmbedMethod, options: EmbedOptions) =>
      withImageSetRecord(
        await buildProvenance(
          origin,
          {
            ids: rows.map((r) => images.id(r)),
            x0,
            ...(labelRows ? { labels: labelRows } : {}),
            ...(images.classes ? { classes: images.classes } : {}),
          },
          {
            kind: 'embedding',
            method,
            blocks,
            t,
            seed,
            pooling: POOLING_BY_NAME[pooling],
            options: { ...options },
          },
        ),
        images,
        rows,
      );
    return {
      provenance,
      pooling,
      t,
      seed,
      blocks,
      X,
      n,
      d,
      labels: images.labels ? Int32Array.from(rows, (r) => images.labels![r]) : null,
      classes: images.classes,
      ids: rows.map((r) => images.id(r)),
      identity: {
        model: { sha256: model.hash, numbersKey: numbersKey(model.manifest) },
        images: await imagesIdentity(images, rows, selection),
        features: settings,
      },
      record: {
        model: {
          manifestPath: model.manifestPath,
          sha256: model.sha256,
          numbersKey: numbersKey(model.manifest),
          manifest: model.manifest,
        },
        images: { ...images.source, selection, count: n },
        features: settings,
      },
    };
  } finally {
    await model.unet.release();
  }
}

function optionsOf(flags: Flags, method: EmbedMethod): EmbedOptions {
  const lr = str(flags, 'learning-rate', 'auto')!;
  if (lr !== 'auto' && !(Number(lr) > 0))
    throw new UsageError(`--learning-rate must be auto or a positive number, got ${JSON.stringify(lr)}`);
  return {
    ...DEFAULT_EMBED_OPTIONS,
    perplexity: num(flags, 'perplexity', DEFAULT_EMBED_OPTIONS.perplexity, 1, 1000),
    nIter: int(flags, 'iterations', method === 'umap' ? 200 : DEFAULT_EMBED_OPTIONS.nIter, 1, 100_000),
    learningRate: lr === 'auto' ? 'auto' : Number(lr),
    earlyExaggeration: num(flags, 'early-exaggeration', DEFAULT_EMBED_OPTIONS.earlyExaggeration, 1, 1000),
    nNeighbors: int(flags, 'neighbors', DEFAULT_EMBED_OPTIONS.nNeighbors, 2, 1000),
    minDist: num(flags, 'min-dist', DEFAULT_EMBED_OPTIONS.minDist, 0, 10),
    seed: int(flags, 'embed-seed', 0, 0, 0xffffffff),
    standardize: flags.standardize === true,
  };
}

const W = 440;
const H = 360;
const AREA = { x: 38, y: 8, width: W - 38 - 8, height: H - 8 - 24 };
const LEGEND_WIDTH = 130;

/**
 * A self-contained SVG figure of the layout: the app's extent (same units per pixel on both
 * axes), point and legend fragments and class colours, with plain tick labels for axes.
 */
export function embeddingSvg(
  coords: Float32Array,
  labels: Int32Array,
  classes: readonly string[],
  title: string,
): string {
  const colors = classes.map((_, c) => schemeTableau10[c % 10]);
  const e = fitExtent(coords, () => true, AREA.width, AREA.height);
  const x = scaleLinear([e.x0, e.x1], [AREA.x, AREA.x + AREA.width]);
  const y = scaleLinear([e.y0, e.y1], [AREA.y + AREA.height, AREA.y]);
  const esc = (s: string) => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const bottom = AREA.y + AREA.height;
  const ticks = [
    `<g class="axes" font-size="9" fill="#5b6474">`,
    `<path d="M${AREA.x},${AREA.y}V${bottom}H${AREA.x + AREA.width}" fill="none" stroke="#5b6474"/>`,
    ...x
      .ticks(5)
      .map((v) => `<text x="${x(v).toFixed(1)}" y="${bottom + 12}" text-anchor="middle">${v}</text>`),
    ...y
      .ticks(5)
      .map((v) => `<text x="${AREA.x - 4}" y="${(y(v) + 3).toFixed(1)}" text-anchor="end">${v}</text>`),
    '</g>',
  ];
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W + LEGEND_WIDTH} ${H}" width="${W + LEGEND_WIDTH}" height="${H}" font-family="system-ui, sans-serif">
<rect width="${W + LEGEND_WIDTH}" height="${H}" fill="#fff"/><title>${esc(title)}</title>
${ticks.join('')}
${pointsSvgFragment({ coords, labels, colors, hidden: new Set(), x, y, radius: 2.2, area: AREA })}
${legendSvgFragment(classes, colors, new Set(), W + 6, AREA.y + 4)}
</svg>
`;
}

/** A JobContext for a handler run in Node: progress to the terminal, never cancelled. */
export function nodeJobContext(onProgress: (done: number, total: number, note?: string) => void): JobContext {
  return {
    id: 0,
    signal: new AbortController().signal,
    progress: onProgress,
    partial: () => {},
    checkpoint: async () => {},
    stopRequested: async () => false,
  };
}

export async function runEmbedding(ctx: CliContext, args: ParsedArgs, method: EmbedMethod): Promise<number> {
  const started = Date.now();
  const { flags } = args;
  const outArg = required(flags, 'out', method);
  const fromFiles = flags.features !== undefined;
  const fromModel = flags.manifest !== undefined || flags.model !== undefined;
  if (fromFiles === fromModel)
    throw new UsageError(
      `${method} needs --features <file.npy|dir>, or a model (--model <model.onnx> or --manifest <manifest.json>): one of them`,
    );
  const options = optionsOf(flags, method);
  const output = await Output.create(outArg, { force: flags.force === true });
  return withOutput(output, async (out) => {
    const f = fromFiles ? await featuresFromFiles(flags) : await featuresFromModel(ctx, flags);
    const labels = f.labels ?? new Int32Array(f.n);
    const classes = f.classes ?? (f.labels ? classNames(f.labels) : ['all']);
    let bar: ReturnType<typeof createProgress> | null = null;
    const result: EmbedResult = await embed(
      { X: f.X, n: f.n, d: f.d, labels, method, options },
      nodeJobContext((done, total, note) => {
        bar ??= createProgress(
          ctx.err,
          METHOD_NAMES[method],
          total,
          method === 'pca' ? 'steps' : 'iterations',
          {
            quiet: flags.quiet === true,
          },
        );
        bar.update(done, note);
      }),
    );
    (bar as ReturnType<typeof createProgress> | null)?.finish(
      result.kl === null ? undefined : `KL ${result.kl.toFixed(4)}`,
    );
    for (const w of result.warnings) ctx.err.write(`warning: ${w}\n`);
    await out.write('coords.npy', writeNpy(result.coords, [f.n, 2]));
    await out.write('embedding.csv', embeddingToCsv(f.ids, labels, classes, result.coords));
    const title = `${METHOD_NAMES[method]} of ${f.n} images (${f.d} features)`;
    await out.write('embedding.svg', embeddingSvg(result.coords, labels, classes, title));
    // The app's JSON export, with its provenance: what `diffprobe reproduce` re-runs.
    await out.write(
      'embedding.json',
      embeddingToJson({
        appVersion: APP_VERSION,
        method,
        options,
        blocks: f.blocks ?? [],
        t: f.t ?? 0,
        seed: f.seed ?? 0,
        pooling: f.pooling ?? 'features',
        complete: !result.stopped,
        iter: result.iter,
        totalIter: result.totalIter,
        classes,
        ids: f.ids,
        labels,
        coords: result.coords,
        X: f.X,
        d: f.d,
        quality: result.quality,
        provenance: f.provenance ? await f.provenance(method, options) : null,
      }),
    );
    const record = await runRecord(
      ctx,
      method,
      { ...f.identity, options },
      {
        ...f.record,
        n: f.n,
        d: f.d,
        options,
        result: {
          iter: result.iter,
          totalIter: result.totalIter,
          kl: result.kl,
          quality: result.quality,
          warnings: result.warnings,
        },
      },
      { shard: null, started },
    );
    await out.commit(record);
    const q = result.quality
      ? `; ${result.quality.k}-NN accuracy ${(100 * result.quality.embedding).toFixed(1)}% in 2-D, ${(100 * result.quality.original).toFixed(1)}% in the features`
      : '';
    ctx.out(`wrote ${METHOD_NAMES[method]} of ${f.n} points to ${out.target}${q}`);
    return 0;
  });
}

function classNames(labels: Int32Array): string[] {
  let max = 0;
  for (const l of labels) max = Math.max(max, l);
  return Array.from({ length: max + 1 }, (_, i) => String(i));
}
