import { useEffect, useId, useRef, useState } from 'react';
import { downloadBytes } from '../../ui/download';
import { unit } from './tiles';

/**
 * One channel enlarged, drawn over the input image at an adjustable opacity, with a colour bar
 * giving the value range.
 */
export function ChannelDetail({
  map,
  channel,
  base,
  table,
  block,
  about,
}: {
  map: { data: Float32Array; shape: [number, number, number] };
  channel: number;
  /** The input image as gray bytes at model size (drawn underneath). */
  base: Uint8Array | null;
  table: Uint8Array;
  block: string;
  /** What the map is of, for the text alternative: "t = 25, test image 0 (Ankle boot)". */
  about?: string;
}) {
  const [opacity, setOpacity] = useState(0.7);
  const ref = useRef<HTMLCanvasElement>(null);
  const opacityId = useId();
  const [, H, W] = map.shape;
  const plane = map.data.subarray(channel * H * W, (channel + 1) * H * W);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of plane) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const SIZE = 224;
  useEffect(() => {
    const c = ref.current;
    if (!c) return;
    c.width = SIZE;
    c.height = SIZE;
    const ctx = c.getContext('2d')!;
    ctx.imageSmoothingEnabled = false;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, SIZE, SIZE);
    if (base) {
      const n = Math.round(Math.sqrt(base.length));
      const img = new ImageData(n, n);
      for (let p = 0; p < n * n; p++) img.data.set([base[p], base[p], base[p], 255], p * 4);
      const tmp = new OffscreenCanvas(n, n);
      tmp.getContext('2d')!.putImageData(img, 0, 0);
      ctx.drawImage(tmp, 0, 0, SIZE, SIZE);
    }
    const heat = new ImageData(W, H);
    for (let p = 0; p < H * W; p++) {
      const k = Math.round(unit(plane[p], lo, hi) * 255) * 3;
      heat.data.set([table[k], table[k + 1], table[k + 2], 255], p * 4);
    }
    const tmp = new OffscreenCanvas(W, H);
    tmp.getContext('2d')!.putImageData(heat, 0, 0);
    ctx.globalAlpha = opacity;
    ctx.drawImage(tmp, 0, 0, SIZE, SIZE);
    ctx.globalAlpha = 1;
  }, [plane, base, table, opacity, H, W, lo, hi]);
  const stops = Array.from({ length: 11 }, (_, i) => {
    const k = Math.round((i / 10) * 255) * 3;
    return `rgb(${table[k]},${table[k + 1]},${table[k + 2]}) ${i * 10}%`;
  });
  return (
    <figure className="channel-detail">
      <canvas
        ref={ref}
        role="img"
        aria-label={`Channel ${channel} of ${block}, enlarged over the input${about ? ` (${about})` : ''}; values from ${lo.toFixed(2)} to ${hi.toFixed(2)}`}
      />
      <div
        className="colorbar"
        role="img"
        aria-label={`Colour bar from ${lo.toFixed(3)} to ${hi.toFixed(3)}`}
      >
        <span>{lo.toFixed(2)}</span>
        <span
          className="colorbar-ramp"
          style={{ background: `linear-gradient(to right, ${stops.join(', ')})` }}
        />
        <span>{hi.toFixed(2)}</span>
      </div>
      <label htmlFor={opacityId}>Overlay opacity</label>
      <input
        id={opacityId}
        type="range"
        min={0}
        max={1}
        step={0.05}
        value={opacity}
        onChange={(e) => setOpacity(Number(e.target.value))}
      />
      <button
        type="button"
        data-part="exports"
        onClick={() =>
          ref.current?.toBlob(
            async (b) =>
              b &&
              downloadBytes(
                new Uint8Array(await b.arrayBuffer()),
                `${block}-channel${channel}.png`,
                'image/png',
              ),
          )
        }
      >
        Save channel PNG
      </button>
    </figure>
  );
}
