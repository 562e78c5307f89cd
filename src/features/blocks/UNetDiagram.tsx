import { useStore } from '../../state/store';
import { BOX_H, BOX_W, layoutUNet, shortLabel } from './layout';

/**
 * The U-Net drawn from its manifest: down path, middle, up path and skip connections. Each block is
 * a toggle button named after the block; click selects it, shift-click adds or removes it.
 */
export function UNetDiagram() {
  const manifest = useStore((s) => s.model?.manifest);
  const selected = useStore((s) => s.view.blocks);
  const selectBlock = useStore((s) => s.selectBlock);
  if (!manifest) return <p className="muted">Blocks appear once a model is loaded.</p>;
  const layout = layoutUNet(manifest.blocks, manifest.skips);
  const at = new Map(layout.boxes.map((b) => [b.name, b]));
  const meta = new Map(manifest.blocks.map((b) => [b.name, b]));
  const edge = (a: string, b: string, kind: 'flow' | 'skip') => {
    const p = at.get(a);
    const q = at.get(b);
    if (!p || !q) return null;
    const [x1, y1, x2, y2] =
      kind === 'skip'
        ? [p.x + BOX_W, p.y + BOX_H / 2, q.x, q.y + BOX_H / 2]
        : p.x === q.x
          ? [p.x + BOX_W / 2, p.y + (q.y > p.y ? BOX_H : 0), q.x + BOX_W / 2, q.y + (q.y > p.y ? 0 : BOX_H)]
          : [p.x + (q.x > p.x ? BOX_W : 0), p.y + BOX_H / 2, q.x + (q.x > p.x ? 0 : BOX_W), q.y + BOX_H / 2];
    const mx = (x1 + x2) / 2;
    const d =
      kind === 'skip' ? `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}` : `M${x1},${y1} L${x2},${y2}`;
    return <path key={`${kind}-${a}-${b}`} d={d} className={`unet-${kind}`} markerEnd="url(#unet-arrow)" />;
  };
  return (
    <fieldset className="unet" data-part="unet">
      <legend>U-Net blocks (shift-click to select several)</legend>
      <div className="unet-canvas" style={{ width: layout.width, height: layout.height }}>
        <svg width={layout.width} height={layout.height} aria-hidden="true">
          <defs>
            <marker
              id="unet-arrow"
              viewBox="0 0 6 6"
              refX="5"
              refY="3"
              markerWidth="6"
              markerHeight="6"
              orient="auto"
            >
              <path d="M0,0 L6,3 L0,6 z" className="unet-arrowhead" />
            </marker>
          </defs>
          {layout.skips.map(([a, b]) => edge(a, b, 'skip'))}
          {layout.flow.map(([a, b]) => edge(a, b, 'flow'))}
        </svg>
        {layout.boxes.map((box) => {
          const b = meta.get(box.name)!;
          return (
            <button
              key={box.name}
              type="button"
              className={`unet-block unet-${b.stage}`}
              style={{ left: box.x, top: box.y, width: BOX_W, height: BOX_H }}
              aria-pressed={selected.includes(box.name)}
              title={`${box.name} — ${b.stage} level ${b.level}: ${b.resolution.join('×')} × ${b.channels} channels`}
              onClick={(e) => selectBlock(box.name, e.shiftKey || e.ctrlKey || e.metaKey)}
            >
              {/* The name is the button's name (from its content, so no label hides what is shown);
                  a long name is shown shortened, and read in full. */}
              <span aria-hidden="true">{shortLabel(box.name)}</span>
              <span className="visually-hidden">{box.name}</span>
              <small aria-hidden="true">
                {' '}
                {b.resolution[0] === b.resolution[1] ? `${b.resolution[0]}²` : b.resolution.join('×')}×
                {b.channels}
              </small>
            </button>
          );
        })}
      </div>
    </fieldset>
  );
}
