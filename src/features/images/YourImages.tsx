import { describePolarity } from '../../core/image/polarity';
import { useStore } from '../../state/store';
import { PixelCanvas } from '../../ui/PixelCanvas';
import { RgbaCanvas } from '../../ui/RgbaCanvas';

/** The user's images: original preview beside the converted model input, class, notes. */
export function YourImages() {
  const uploads = useStore((s) => s.uploads);
  const model = useStore((s) => s.model);
  const selected = useStore((s) => s.view.images);
  const setView = useStore((s) => s.setView);
  const remove = useStore((s) => s.removeUpload);
  const setClass = useStore((s) => s.setUploadClass);
  if (!uploads.length || !model) return null;
  const { width, height, channels } = model.manifest.input;
  return (
    <>
      <datalist id="upload-classes">
        {[...new Set(uploads.map((u) => u.className).filter(Boolean))].map((c) => (
          <option key={c} value={c!} />
        ))}
      </datalist>
      <ul className="your-images" aria-label="Your images">
        {uploads.map((u) => (
          <li key={u.id}>
            <button
              type="button"
              className="upload"
              aria-pressed={selected.includes(u.id)}
              aria-label={`${u.name}${u.className ? ` (${u.className})` : ''}`}
              onClick={(e) =>
                setView({
                  images: e.shiftKey
                    ? selected.includes(u.id)
                      ? selected.filter((s) => s !== u.id)
                      : [...selected, u.id]
                    : [u.id],
                })
              }
            >
              <RgbaCanvas
                rgba={u.preview.rgba}
                width={u.preview.width}
                height={u.preview.height}
                label={`Original ${u.name}`}
              />
              {u.status === 'ready' ? (
                <PixelCanvas
                  bytes={u.converted}
                  width={width}
                  height={height}
                  channels={channels}
                  size={48}
                  label={`${u.name} as the model sees it`}
                />
              ) : (
                <span className="muted upload-status">
                  {u.status === 'converting' ? 'converting…' : 'not usable with this model'}
                </span>
              )}
            </button>
            <small>
              {u.className && <strong>{u.className} · </strong>}
              {u.name}
            </small>
            {u.status === 'ready' && u.polarity && (
              <small className="muted" title={describePolarity(u.polarity)}>
                {u.polarity.inverted ? 'inverted' : 'not inverted'}
                {u.polarity.nearTie ? ' (near-tie)' : ''}
                {u.decoder === 'browser' ? ' · browser-decoded' : ''}
              </small>
            )}
            {u.status === 'failed' && u.error && <small className="error-text">{u.error}</small>}
            <input
              className="class-input"
              type="text"
              list="upload-classes"
              aria-label={`Class of ${u.name}`}
              placeholder="class"
              defaultValue={u.className ?? ''}
              onBlur={(e) => setClass(u.id, e.target.value)}
              onKeyDown={(e) => e.key === 'Enter' && setClass(u.id, e.currentTarget.value)}
            />
            <button type="button" aria-label={`Remove ${u.name}`} onClick={() => remove(u.id)}>
              ×
            </button>
          </li>
        ))}
      </ul>
    </>
  );
}
