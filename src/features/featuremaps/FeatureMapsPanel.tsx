import * as chromatic from 'd3-scale-chromatic';
import { type CSSProperties, useId, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { modelInputToHwc8 } from '../../core/image/convert';
import { bundledPixels } from '../../data/bundled';
import type { UploadedImage } from '../../data/uploads';
import { bundledDataFor, inputReady, useStore } from '../../state/store';
import { downloadBytes } from '../../ui/download';
import { PixelCanvas } from '../../ui/PixelCanvas';
import { describeOutOfRange } from '../../ui/value-range';
import { ChannelDetail } from './ChannelDetail';
import { ComparePane } from './ComparePane';
import { colormapTable, drawTiles, type TileLayout, tileAspect } from './draw-tiles';
import type { ChannelOrder, Normalisation } from './tiles';

const COLORMAPS = {
  Viridis: chromatic.interpolateViridis,
  Magma: chromatic.interpolateMagma,
  Inferno: chromatic.interpolateInferno,
  Cividis: chromatic.interpolateCividis,
  'Red–Blue': (t: number) => chromatic.interpolateRdBu(1 - t),
  Greys: (t: number) => chromatic.interpolateGreys(1 - t),
} as const;
type ColormapName = keyof typeof COLORMAPS;

/** Why the selected image is not run through this model. */
function notReady(imageId: string, upload: UploadedImage | undefined): string {
  if (upload?.status === 'converting') return `Converting ${upload.name} for this model…`;
  if (upload?.status === 'failed') return `${upload.error ?? upload.name}. Pick another image.`;
  if (upload) return `${upload.name} is not converted for this model yet.`;
  if (imageId.startsWith('upload:'))
    return 'This image is not among your images in this browser (a link names it, but images never leave the browser they were added in): add it, or pick another.';
  return 'The bundled images are not used with this model: choose them in the Images panel, or add your own.';
}

/** x_0, x_t and x̂_0 of the selected image, and every channel of the selected block as a heat map. */
export function FeatureMapsPanel() {
  const forward = useStore((s) => s.forward);
  const model = useStore((s) => s.model);
  const dataset = useStore(bundledDataFor);
  const imageId = useStore((s) => s.view.images[0]);
  const ready = useStore((s) => inputReady(s.view.images[0], s));
  const upload = useStore((s) => s.uploads.find((u) => u.id === s.view.images[0]));
  const block = useStore((s) => s.view.blocks[0]);
  const seed = useStore((s) => s.view.seed);
  const [colormap, setColormap] = useState<ColormapName>('Viridis');
  const [norm, setNorm] = useState<Normalisation>('shared');
  const [order, setOrder] = useState<ChannelOrder>('index');
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const layoutRef = useRef<TileLayout | null>(null);
  const [channel, setChannel] = useState<number | null>(null);
  const ids = { cmap: useId(), norm: useId(), order: useId(), channel: useId() };
  const table = useMemo(() => colormapTable(COLORMAPS[colormap]), [colormap]);

  const map = forward && block ? forward.result.maps[block] : undefined;
  const inputSpec = model?.manifest.input;
  // Bytes for the x_t and x̂_0 thumbnails, recomputed only when a new forward pass arrives.
  const [noisy, denoised, x0Range] = useMemo(() => {
    if (!forward || !inputSpec) return [null, null, null];
    const { channels: c, height: h, width: w, range: r } = inputSpec;
    return [
      modelInputToHwc8(forward.result.xt, c, h, w, r),
      modelInputToHwc8(forward.result.x0Pred, c, h, w, r),
      describeOutOfRange(forward.result.x0Pred, r, 'x̂₀ runs'),
    ];
  }, [forward, inputSpec]);
  // Layout effect: the tiles are drawn before the browser paints the commit that needs them.
  useLayoutEffect(() => {
    if (canvasRef.current && map)
      layoutRef.current = drawTiles(canvasRef.current, map, { order, norm, table });
  }, [map, order, norm, table]);

  if (!model) return <p className="muted">Feature maps appear once the model and images are loaded.</p>;
  if (!imageId) return <p className="muted">Select an image to see what each block sees.</p>;
  const { channels, height, width } = model.manifest.input;
  // What was fed: an upload as converted for this model (gray preview), or a bundled image at its own size.
  const bundled = !upload && dataset ? bundledPixels(dataset, imageId) : null;
  const original =
    upload?.status === 'ready'
      ? { bytes: upload.converted, width, height, channels: 1 }
      : bundled && dataset
        ? {
            bytes: bundled.bytes,
            width: dataset.index.width,
            height: dataset.index.height,
            channels: dataset.index.channels,
          }
        : null;
  const r = forward?.result;
  // What the images show, for their text alternatives: "test image 12 (Sneaker)" or the file's name.
  const imageName = upload
    ? upload.name
    : bundled && dataset
      ? `${imageId.replace(':', ' image ')} (${dataset.index.classes[bundled.label] ?? bundled.label})`
      : imageId;
  const aspect = map ? tileAspect(map.shape) : 1;
  return (
    <div className="featuremaps">
      <div className="featuremaps-side">
        <div className="triptych" data-part="triptych">
          {original && (
            <figure>
              <PixelCanvas
                bytes={original.bytes}
                width={original.width}
                height={original.height}
                channels={original.channels}
                size={84}
                label={`Original image x₀: ${imageName}`}
              />
              <figcaption>x₀</figcaption>
            </figure>
          )}
          {r && (
            <>
              <figure>
                <PixelCanvas
                  bytes={noisy!}
                  width={width}
                  height={height}
                  channels={channels}
                  size={84}
                  label={`Noisy image x_t: ${imageName} at t = ${r.t} (ε from seed ${seed})`}
                />
                <figcaption>x_t (t = {r.t})</figcaption>
              </figure>
              <figure>
                <PixelCanvas
                  bytes={denoised!}
                  width={width}
                  height={height}
                  channels={channels}
                  size={84}
                  label={`Predicted clean image x̂₀: the U-Net's estimate of ${imageName} from t = ${r.t}, not clipped`}
                />
                <figcaption title="The U-Net's own one-step estimate. Only sampling (Generate) clips x̂₀ to the data range.">
                  x̂₀ (predicted, not clipped)
                </figcaption>
              </figure>
            </>
          )}
          {x0Range && <p className="x0-note">{x0Range} Only sampling clips x̂₀.</p>}
        </div>
        <div className="featuremap-controls" data-part="tiles">
          <label htmlFor={ids.cmap}>Colormap</label>
          <select
            id={ids.cmap}
            value={colormap}
            onChange={(e) => setColormap(e.target.value as ColormapName)}
          >
            {Object.keys(COLORMAPS).map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
          <label htmlFor={ids.norm}>Normalisation</label>
          <select id={ids.norm} value={norm} onChange={(e) => setNorm(e.target.value as Normalisation)}>
            <option value="shared">Shared across channels</option>
            <option value="channel">Per channel</option>
          </select>
          <label htmlFor={ids.order}>Sort</label>
          <select id={ids.order} value={order} onChange={(e) => setOrder(e.target.value as ChannelOrder)}>
            <option value="index">Channel index</option>
            <option value="mean">Mean activation</option>
            <option value="variance">Variance</option>
          </select>
        </div>
        {map && (
          <div className="row" data-part="tiles">
            <label htmlFor={ids.channel}>Enlarge channel</label>
            <input
              id={ids.channel}
              type="number"
              min={0}
              max={map.shape[0] - 1}
              value={channel ?? ''}
              placeholder="—"
              onChange={(e) =>
                setChannel(
                  e.target.value === ''
                    ? null
                    : Math.max(0, Math.min(map.shape[0] - 1, Math.round(Number(e.target.value)))),
                )
              }
            />
            <button
              type="button"
              data-part="exports"
              onClick={() =>
                canvasRef.current?.toBlob(
                  async (b) =>
                    b &&
                    downloadBytes(
                      new Uint8Array(await b.arrayBuffer()),
                      `${block}-t${r?.t}-maps.png`,
                      'image/png',
                    ),
                )
              }
            >
              Save PNG
            </button>
          </div>
        )}
        {map && channel !== null && channel < map.shape[0] && (
          <ChannelDetail
            map={map}
            channel={channel}
            base={original?.bytes ?? null}
            table={table}
            block={block}
            about={`t = ${r?.t}, ${imageName}`}
          />
        )}
      </div>
      <div className="featuremaps-main" data-part="tiles">
        {map ? (
          // Clicking a tile enlarges its channel; "Enlarge channel" does the same from the keyboard.
          <canvas
            ref={canvasRef}
            className="tiles"
            role="img"
            aria-label={`${map.shape[0]} channel maps of block ${block} at t = ${r?.t}, for ${imageName}; click a tile to see its channel enlarged below`}
            data-channels={map.shape[0]}
            style={{ '--aspect': aspect } as CSSProperties}
            onClick={(e) => {
              const layout = layoutRef.current;
              const c = e.currentTarget;
              if (!layout) return;
              const rect = c.getBoundingClientRect();
              const x = ((e.clientX - rect.left) / rect.width) * c.width;
              const y = ((e.clientY - rect.top) / rect.height) * c.height;
              const slot =
                Math.floor(y / (layout.tileH + layout.gap)) * layout.columns +
                Math.floor(x / (layout.tileW + layout.gap));
              if (slot < layout.order.length) setChannel(layout.order[slot]);
            }}
          />
        ) : (
          <p className="muted">
            {!block ? 'Select a block.' : ready ? 'Running the U-Net…' : notReady(imageId, upload)}
          </p>
        )}
      </div>
      <ComparePane order={order} norm={norm} table={table} />
    </div>
  );
}
