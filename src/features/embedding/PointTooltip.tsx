import { type CSSProperties, useMemo } from 'react';
import { featureNeighbors } from '../../core/embedding/quality';
import { type BundledDataset, bundledPixels } from '../../data/bundled';
import type { EmbeddingRun } from '../../state/results';
import { PixelCanvas } from '../../ui/PixelCanvas';

const NEIGHBORS = 5;

/** A point's image and label, and its nearest neighbours in the original features (not the map). */
export function PointTooltip({
  run,
  index,
  dataset,
  classes,
  style,
}: {
  run: EmbeddingRun;
  index: number;
  dataset: BundledDataset;
  classes: readonly string[];
  style: CSSProperties;
}) {
  const neighbors = useMemo(
    () => (run.X ? Array.from(featureNeighbors(run.X, run.ids.length, run.d, index, NEIGHBORS)) : []),
    [run.X, run.ids.length, run.d, index],
  );
  const { channels, height, width } = dataset.index;
  const thumb = (i: number, size: number) => {
    const id = run.ids[i];
    const px = bundledPixels(dataset, id);
    if (!px) return null;
    return (
      <PixelCanvas
        bytes={px.bytes}
        width={width}
        height={height}
        channels={channels}
        size={size}
        label={`${id}, ${classes[run.labels[i]] ?? run.labels[i]}`}
      />
    );
  };
  return (
    <div className="embedding-tooltip" role="tooltip" style={style}>
      <div className="row">
        {thumb(index, 56)}
        <div>
          <strong>{classes[run.labels[index]] ?? run.labels[index]}</strong>
          <div className="muted">{run.ids[index]}</div>
        </div>
      </div>
      {neighbors.length > 0 && (
        <>
          <div className="muted">Nearest in the features:</div>
          <ul className="embedding-neighbors" aria-label="Nearest neighbours in the original features">
            {neighbors.map((j) => (
              <li key={j}>{thumb(j, 32)}</li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
