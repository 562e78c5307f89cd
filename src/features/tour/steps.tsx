/**
 * @file The guided tour of the paper's experiment on the default model: eight steps, each setting
 * the view through the store (so the URL follows) and saying what the part of the page it points
 * at shows. The heavy steps (t-SNE, probe, sweep) run on small sets, so that each takes well
 * under a minute on WASM; their numbers are read from the results as they come in.
 */
import type { ComponentType } from 'react';
import { alphaBar, scheduleFromManifest, toTimestep } from '../../core/schedule';
import { type AppState, getState, useStore } from '../../state/store';
import { DEFAULT_VIEW } from '../../state/view';
import { qualityText } from '../embedding/status';
import {
  PROBE_BLOCK,
  probeFindingNow,
  SHALLOW_BLOCK,
  sweepFindingNow,
  TOUR_T,
  TSNE_POINTS,
  tourEmbedding,
  tourProbe,
  tourSweep,
} from './work';

/**
 * Parts of the page a step is about. Presenter mode shows only these (app.css), so each part
 * here has a rule there: panels by id, parts inside panels by `data-part`.
 */
export type TourPart =
  | 'images'
  | 'timestep-blocks'
  | 'feature-maps'
  | 'embedding'
  | 'probe'
  | 'sweep'
  | 'timestep'
  | 'unet'
  | 'pooling'
  | 'triptych'
  | 'tiles'
  | 'compare';

export interface TourStep {
  title: string;
  /** CSS selector of the element the step's card stands next to. */
  target: string;
  show: TourPart[];
  /** Sets the app state for the step; heavy work is queued (see work.ts), not awaited. */
  enter: () => void;
  /** The step's text, read from the store as results come in. */
  Body: ComponentType;
}

function alphaBarAt(model: AppState['model'], t: number): number | null {
  if (!model) return null;
  const schedule = scheduleFromManifest(model.manifest.schedule);
  return alphaBar(schedule, toTimestep(t, schedule.steps));
}

const blockMeta = (s: AppState, name: string | undefined) =>
  s.model?.manifest.blocks.find((b) => b.name === name);

const view = (patch: Partial<AppState['view']>) => {
  const s = getState();
  s.setView({ images: DEFAULT_VIEW.images, pooling: 'avg', seed: 0, ...patch });
};

const NOISE_T = 200;

function NoiseText() {
  const t = useStore((s) => s.view.t);
  const model = useStore((s) => s.model);
  const ab = alphaBarAt(model, t);
  return (
    <>
      <p>
        Diffusion training noises an image x₀ to x<sub>t</sub> = √ᾱ<sub>t</sub>·x₀ + √(1−ᾱ<sub>t</sub>)·ε.
        {ab !== null && (
          <>
            {' '}
            At t = {t}, √ᾱ<sub>t</sub> = {Math.sqrt(ab).toFixed(2)}: the image is scaled down and mixed with
            noise of strength {Math.sqrt(1 - ab).toFixed(2)}.
          </>
        )}
      </p>
      <p>
        x̂₀ is the U-Net's guess of the clean image from x<sub>t</sub>. Move the timestep slider (or ← → once
        the tour ends): by t ≈ 600 almost nothing of the garment is left.
      </p>
    </>
  );
}

function BlockText() {
  const block = useStore((s) => s.view.blocks[0]);
  const t = useStore((s) => s.view.t);
  const b = useStore((s) => blockMeta(s, block));
  return (
    <>
      <p>
        One pass of the U-Net at (x<sub>t</sub>, t = {t}). Each tile is one channel of block{' '}
        <strong>{block}</strong>
        {b && (
          <>
            : {b.channels} maps of {b.resolution.join('×')} pixels
          </>
        )}
        , brighter where the channel responds.
      </p>
      <p>These activations — not the denoised image — are the features the paper classifies with.</p>
    </>
  );
}

function EncoderDecoderText() {
  return (
    <>
      <p>
        Top: <strong>{SHALLOW_BLOCK}</strong>, early in the encoder (down path), at full resolution. Its maps
        still look like the image: edges, light and dark.
      </p>
      <p>
        Below: <strong>{PROBE_BLOCK}</strong>, in the middle of the decoder (up path), at half resolution. It
        has seen the whole image through the bottleneck and gets the encoder's details back through a skip
        connection: its maps respond to parts of garments.
      </p>
    </>
  );
}

function PoolingText() {
  const b = useStore((s) => blockMeta(s, PROBE_BLOCK));
  return (
    <p>
      A classifier needs the same short vector for every image. Global average pooling takes the mean of each
      tile: {PROBE_BLOCK}'s {b ? `${b.channels}×${b.resolution.join('×')}` : ''} activations become{' '}
      {b?.channels ?? 'C'} numbers, one per channel. The t-SNE, the probe and the sweep all use these pooled
      features.
    </p>
  );
}

function ShallowTsneText() {
  const run = useStore((s) => s.embedding.main);
  return (
    <>
      <p>
        {TSNE_POINTS} test images, each a dot placed by t-SNE from its {SHALLOW_BLOCK} features at t ={' '}
        {TOUR_T}; colour is the true class. Nearby dots have similar features.
      </p>
      <p>
        {run?.quality
          ? `${qualityText(run.quality, run.ids.length)}.`
          : 'Computing the features and the layout…'}{' '}
        Classes overlap: a shallow block describes light and edges more than garments.
      </p>
    </>
  );
}

function DecoderTsneText() {
  const run = useStore((s) => s.embedding.compare);
  return (
    <>
      <p>
        The same {TSNE_POINTS} images from {PROBE_BLOCK} at t = {TOUR_T}.
      </p>
      <p>
        {run?.quality ? `${qualityText(run.quality, run.ids.length)}.` : 'Computing the layout…'} Most classes
        now form their own islands; shirts, pullovers and coats stay mixed, as they do for people.
      </p>
    </>
  );
}

function ProbeText() {
  const finding = useStore(probeFindingNow);
  return (
    <>
      <p>
        A linear classifier (softmax regression) trained on {PROBE_BLOCK}'s pooled features of labelled
        training images, then tested on images it has not seen. If a straight cut separates the classes, the
        block holds the class information in a readable form.
      </p>
      <p>{finding ?? 'Training…'}</p>
    </>
  );
}

function SweepText() {
  const finding = useStore(sweepFindingNow);
  return (
    <>
      <p>
        One probe per block and timestep, each judged on validation images held out of its training images;
        the best cell is then tested once. Click a cell to open that block and t in the explorer.
      </p>
      <p>{finding ?? 'Sweeping…'}</p>
      <p>
        <strong>The paper's finding:</strong> a diffusion U-Net's most useful features for classification sit
        in the middle of its decoder at a small noise level — not at the input, not at the output, and not at
        large t.
      </p>
    </>
  );
}

export const TOUR_STEPS: readonly TourStep[] = [
  {
    title: 'What noise does at t',
    target: '#feature-maps [data-part="triptych"]',
    show: ['timestep-blocks', 'timestep', 'feature-maps', 'triptych'],
    enter: () => {
      getState().setCompare(null);
      view({ t: NOISE_T, blocks: [PROBE_BLOCK] });
    },
    Body: NoiseText,
  },
  {
    title: 'What a block sees',
    target: '#feature-maps .featuremaps-main',
    show: ['timestep-blocks', 'unet', 'feature-maps', 'tiles'],
    enter: () => {
      getState().setCompare(null);
      view({ t: TOUR_T, blocks: [PROBE_BLOCK] });
    },
    Body: BlockText,
  },
  {
    title: 'Encoder vs decoder',
    target: '#feature-maps',
    show: ['timestep-blocks', 'unet', 'feature-maps', 'tiles', 'compare'],
    enter: () => {
      view({ t: TOUR_T, blocks: [SHALLOW_BLOCK] });
      getState().setCompare({ block: PROBE_BLOCK, t: TOUR_T });
    },
    Body: EncoderDecoderText,
  },
  {
    title: 'Pooling: one vector per image',
    target: '#timestep-blocks [data-part="pooling"]',
    show: ['timestep-blocks', 'unet', 'pooling', 'feature-maps', 'tiles'],
    enter: () => {
      getState().setCompare(null);
      view({ t: TOUR_T, blocks: [PROBE_BLOCK] });
    },
    Body: PoolingText,
  },
  {
    title: `t-SNE of a shallow block (${SHALLOW_BLOCK})`,
    target: '#embedding [data-part="embedding-main"]',
    show: ['embedding'],
    enter: () => {
      view({ t: TOUR_T, blocks: [SHALLOW_BLOCK] });
      tourEmbedding();
    },
    Body: ShallowTsneText,
  },
  {
    title: `t-SNE of a mid-decoder block (${PROBE_BLOCK})`,
    target: '#embedding [data-part="embedding-compare"]',
    show: ['embedding'],
    enter: () => tourEmbedding(),
    Body: DecoderTsneText,
  },
  {
    title: 'A linear probe',
    target: '#probe',
    show: ['probe'],
    enter: () => {
      view({ t: TOUR_T, blocks: [PROBE_BLOCK] });
      tourProbe();
    },
    Body: ProbeText,
  },
  {
    title: 'The sweep: where the information lives',
    target: '#sweep',
    show: ['sweep'],
    enter: () => tourSweep(),
    Body: SweepText,
  },
];
