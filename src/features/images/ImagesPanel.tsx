import { type CSSProperties, useEffect, useId, useMemo, useState } from 'react';
import { showBundledImages } from '../../app/bundled-data';
import { bundledPixels, missingParts } from '../../data/bundled';
import { bundledDataFor, offersBundledData, useStore } from '../../state/store';
import { ActionButton } from '../../ui/ActionButton';
import { PixelCanvas } from '../../ui/PixelCanvas';
import { AddImages } from './AddImages';
import { bundledChoiceLabel } from './bundled-choice';
import { chooseBundledData } from './commands';
import { UploadBatches } from './UploadBatches';
import { YourImages } from './YourImages';

const PAGE = 48;

/**
 * The bundled data set, offered to a model that was not trained on it only as an explicit,
 * labelled choice (it is resized and its channels adapted for that model).
 */
function BundledChoice() {
  const on = useStore((s) => s.useBundledData);
  const label = useStore((s) =>
    s.dataset && s.model ? bundledChoiceLabel(s.dataset.index, s.model.manifest.input) : '',
  );
  const id = useId();
  return (
    <div className="row bundled-choice">
      <input id={id} type="checkbox" checked={on} onChange={(e) => chooseBundledData(e.target.checked)} />
      <label htmlFor={id}>{label}</label>
    </div>
  );
}

/**
 * The bundled data set as a gallery with a class filter. Click selects an image; shift-click
 * adds it to (or removes it from) the selection.
 */
export function ImagesPanel() {
  // The data set only when the loaded model uses it (its own, or chosen with BundledChoice).
  const dataset = useStore(bundledDataFor);
  const offered = useStore(offersBundledData);
  const selected = useStore((s) => s.view.images);
  const setView = useStore((s) => s.setView);
  const [cls, setCls] = useState(-1);
  const [page, setPage] = useState(0);
  const filterId = useId();
  const split = dataset?.splits.test;

  const rows = useMemo(() => {
    if (!split) return [];
    const out: number[] = [];
    for (let i = 0; i < split.count; i++) if (cls < 0 || split.labels[i] === cls) out.push(i);
    return out;
  }, [split, cls]);
  // The page's images load with their part (only the first part loads with the page).
  const shownIds = useMemo(
    () => rows.slice(page * PAGE, (page + 1) * PAGE).map((row) => `test:${row}`),
    [rows, page],
  );
  const waiting = dataset ? missingParts(dataset, shownIds).length > 0 : false;
  useEffect(() => {
    if (waiting) showBundledImages(shownIds);
  }, [waiting, shownIds]);

  if (!dataset || !split)
    return (
      <div className="images">
        <AddImages />
        <YourImages />
        <UploadBatches />
        <UploadBatches />
        {offered ? <BundledChoice /> : <p className="muted">Loading the bundled images…</p>}
      </div>
    );
  const { classes, height, width, channels } = dataset.index;
  const pages = Math.max(1, Math.ceil(rows.length / PAGE));

  const select = (id: string, additive: boolean) => {
    if (!additive) return setView({ images: [id] });
    setView({ images: selected.includes(id) ? selected.filter((s) => s !== id) : [...selected, id] });
  };

  return (
    <div className="images">
      <AddImages />
      <YourImages />
      <UploadBatches />
      {offered && <BundledChoice />}
      <div className="images-toolbar">
        <label htmlFor={filterId}>Class</label>
        <select
          id={filterId}
          value={cls}
          onChange={(e) => {
            setCls(Number(e.target.value));
            setPage(0);
          }}
        >
          <option value={-1}>All classes</option>
          {classes.map((c, i) => (
            <option key={c} value={i}>
              {c}
            </option>
          ))}
        </select>
        <span className="muted">
          {rows.length} test images · {selected.length} selected
        </span>
        <ActionButton
          reason={page === 0 ? 'This is the first page.' : null}
          quiet
          onClick={() => setPage(page - 1)}
          label="Previous page of images"
        >
          ‹
        </ActionButton>
        <span>
          {page + 1}/{pages}
        </span>
        <ActionButton
          reason={page >= pages - 1 ? 'This is the last page.' : null}
          quiet
          onClick={() => setPage(page + 1)}
          label="Next page of images"
        >
          ›
        </ActionButton>
      </div>
      <ul className="gallery" aria-label="Bundled images" aria-busy={waiting}>
        {shownIds.map((id) => {
          const row = Number(id.slice(5));
          // Labels are all loaded; the pixels of a part still downloading are not.
          const px = bundledPixels(dataset, id);
          const name = `Test image ${row}: ${classes[split.labels[row]]}`;
          return (
            <li key={id}>
              <button
                type="button"
                className="thumb"
                aria-pressed={selected.includes(id)}
                aria-label={name}
                title={name}
                onClick={(e) => select(id, e.shiftKey || e.ctrlKey || e.metaKey)}
              >
                {px ? (
                  <PixelCanvas
                    bytes={px.bytes}
                    width={width}
                    height={height}
                    channels={channels}
                    size={48}
                    label=""
                  />
                ) : (
                  <span
                    className="pixel-canvas thumb-pending"
                    style={{ '--size': '48px' } as CSSProperties}
                  />
                )}
              </button>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
