import { useId, useLayoutEffect, useRef } from 'react';
import { maxT, useStore } from '../../state/store';
import { drawTiles } from './draw-tiles';
import type { ChannelOrder, Normalisation } from './tiles';

/** Compare mode: a second (block, t) pair for the same image, drawn with the same settings. */
export function ComparePane({
  order,
  norm,
  table,
}: {
  order: ChannelOrder;
  norm: Normalisation;
  table: Uint8Array;
}) {
  const compare = useStore((s) => s.compare);
  const setCompare = useStore((s) => s.setCompare);
  const model = useStore((s) => s.model);
  const view = useStore((s) => s.view);
  const forward = useStore((s) => s.compareForward);
  const ref = useRef<HTMLCanvasElement>(null);
  const ids = { on: useId(), block: useId(), t: useId() };
  const map = compare && forward ? forward.result.maps[compare.block] : undefined;
  const current = forward?.result.t === compare?.t;
  // Layout effect: the tiles are drawn before the browser paints the commit that needs them.
  useLayoutEffect(() => {
    if (ref.current && map) drawTiles(ref.current, map, { order, norm, table });
  }, [map, order, norm, table]);
  if (!model) return null;
  const blocks = model.manifest.blocks.map((b) => b.name);
  return (
    <div className="compare" data-part="compare">
      <div className="row">
        <input
          id={ids.on}
          type="checkbox"
          checked={compare !== null}
          onChange={(e) =>
            setCompare(
              e.target.checked
                ? { block: view.blocks[0] ?? blocks[0], t: Math.min(maxT(model), view.t + 200) }
                : null,
            )
          }
        />
        <label htmlFor={ids.on}>Compare with another block and timestep</label>
      </div>
      {compare && (
        <>
          <div className="row">
            <label htmlFor={ids.block}>Compare block</label>
            <select
              id={ids.block}
              value={compare.block}
              onChange={(e) => setCompare({ ...compare, block: e.target.value })}
            >
              {blocks.map((b) => (
                <option key={b}>{b}</option>
              ))}
            </select>
            <label htmlFor={ids.t}>Compare timestep</label>
            <input
              id={ids.t}
              type="number"
              min={0}
              max={maxT(model)}
              value={compare.t}
              onChange={(e) =>
                e.target.value !== '' &&
                setCompare({
                  ...compare,
                  t: Math.max(0, Math.min(maxT(model), Math.round(Number(e.target.value)))),
                })
              }
            />
          </div>
          {map && current ? (
            <canvas
              ref={ref}
              className="tiles"
              role="img"
              aria-label={`${map.shape[0]} channel maps of block ${compare.block} at t = ${compare.t} (comparison)`}
              data-channels={map.shape[0]}
            />
          ) : (
            <p className="muted">Running the U-Net at t = {compare.t}…</p>
          )}
        </>
      )}
    </div>
  );
}
