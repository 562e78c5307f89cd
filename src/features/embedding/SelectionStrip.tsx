import { type BundledDataset, bundledPixels } from '../../data/bundled';
import { PixelCanvas } from '../../ui/PixelCanvas';
import { MAX_VIEW_IMAGES } from './commands';

const SHOWN = 60;

/** The images of a box selection, with "Show in feature maps". */
export function SelectionStrip({
  ids,
  labels,
  classes,
  dataset,
  onShow,
  onClear,
}: {
  ids: string[];
  labels: number[];
  classes: readonly string[];
  dataset: BundledDataset;
  onShow: () => void;
  onClear: () => void;
}) {
  const { channels, height, width } = dataset.index;
  return (
    <section className="embedding-selection" aria-label="Selected points">
      <div className="row">
        <strong>
          {ids.length} point{ids.length === 1 ? '' : 's'} selected
        </strong>
        <button type="button" onClick={onShow}>
          Show in feature maps
        </button>
        <button type="button" onClick={onClear}>
          Clear selection
        </button>
        {ids.length > MAX_VIEW_IMAGES && (
          <span className="muted">The feature maps take the first {MAX_VIEW_IMAGES}.</span>
        )}
      </div>
      <ul className="gallery embedding-strip" aria-label="Selected images">
        {ids.slice(0, SHOWN).map((id, i) => {
          const px = bundledPixels(dataset, id);
          return (
            px && (
              <li key={id}>
                <PixelCanvas
                  bytes={px.bytes}
                  width={width}
                  height={height}
                  channels={channels}
                  size={36}
                  label={`${id}, ${classes[labels[i]] ?? labels[i]}`}
                />
              </li>
            )
          );
        })}
      </ul>
      {ids.length > SHOWN && <p className="muted">and {ids.length - SHOWN} more.</p>}
    </section>
  );
}
