import { useId, useState } from 'react';
import { describeExtraFeed, labelLeakText } from '../../core/conditioning/extra-feeds';
import type { ManifestExtraInput } from '../../core/manifest/types';
import { readNpy } from '../../core/npy';
import { sha256Hex } from '../../core/sha256';
import { useStore } from '../../state/store';
import { FileButton } from '../../ui/FileButton';

/** Where a float input looks like a conditioning embedding (per-image rank ≥ 2). */
export function isEmbeddingInput(e: ManifestExtraInput): boolean {
  return e.dtype === 'float32' && !e.class && e.shape.length >= 2;
}

/**
 * The extra inputs in "Model…": a class input's feed (a fixed class, the null class where the model
 * has one, or each image's own label), an embedding input's constant (zeros, or a .npy), any other
 * input's constant.
 */
export function ExtraInputsFields({
  extras,
  classNames,
  onChange,
}: {
  extras: readonly ManifestExtraInput[];
  classNames: readonly string[];
  /** A changed entry; `file` when the user picked a .npy for it. */
  onChange: (entry: ManifestExtraInput, file?: File) => void;
}) {
  return (
    <fieldset>
      <legend>Conditioning and other inputs</legend>
      {extras.map((e) =>
        e.class ? (
          <ClassField key={e.name} extra={e} classNames={classNames} onChange={onChange} />
        ) : isEmbeddingInput(e) ? (
          <EmbeddingField key={e.name} extra={e} onChange={onChange} />
        ) : (
          <ConstantField key={e.name} extra={e} onChange={onChange} />
        ),
      )}
    </fieldset>
  );
}

function ClassField({
  extra,
  classNames,
  onChange,
}: {
  extra: ManifestExtraInput;
  classNames: readonly string[];
  onChange: (entry: ManifestExtraInput) => void;
}) {
  const cls = extra.class!;
  const ids = { feed: useId(), value: useId(), nul: useId(), hint: useId() };
  const isNull = cls.feed === 'constant' && cls.nullValue !== undefined && extra.value === cls.nullValue;
  const feed = cls.feed === 'label' ? 'label' : isNull ? 'null' : 'fixed';
  const name = (k: number) => (classNames[k] ? `${k}: ${classNames[k]}` : String(k));
  const set = (patch: Partial<ManifestExtraInput>, classPatch: Partial<typeof cls> = {}) =>
    onChange({ ...extra, ...patch, class: { ...cls, ...classPatch } });
  const firstReal = [...Array(cls.count).keys()].find((k) => k !== cls.nullValue) ?? 0;
  return (
    <div className="form-grid extra-input">
      <span className="span-all">
        <span className="mono">{extra.name}</span> — class label (
        {cls.encoding === 'one-hot' ? 'one-hot, ' : ''}
        {cls.count} classes{cls.nullValue !== undefined ? ', one of them the null class' : ''})
      </span>
      <label htmlFor={ids.feed}>{extra.name} is fed</label>
      <select
        id={ids.feed}
        value={feed}
        aria-describedby={ids.hint}
        onChange={(e) => {
          const v = e.target.value;
          if (v === 'label') set({}, { feed: 'label' });
          else if (v === 'null') set({ value: cls.nullValue! }, { feed: 'constant' });
          else set({ value: isNull || extra.value < 0 ? firstReal : extra.value }, { feed: 'constant' });
        }}
      >
        <option value="fixed">a fixed class</option>
        <option value="null" disabled={cls.nullValue === undefined}>
          the null class (unconditional){cls.nullValue === undefined ? ' — this model has none set' : ''}
        </option>
        <option value="label">each image’s own label (leaks into the features)</option>
      </select>
      {feed === 'fixed' && (
        <>
          <label htmlFor={ids.value}>Class</label>
          <select id={ids.value} value={extra.value} onChange={(e) => set({ value: Number(e.target.value) })}>
            {[...Array(cls.count).keys()]
              .filter((k) => k !== cls.nullValue)
              .map((k) => (
                <option key={k} value={k}>
                  {name(k)}
                </option>
              ))}
          </select>
        </>
      )}
      {cls.encoding === 'index' && (
        <>
          <label htmlFor={ids.nul}>Null class index (if trained with one)</label>
          <input
            id={ids.nul}
            type="number"
            min={0}
            max={cls.count - 1}
            step={1}
            placeholder="none (ADM has none; DiT: the last)"
            value={cls.nullValue ?? ''}
            onChange={(e) => {
              const raw = e.target.value;
              const v = Math.round(Number(raw));
              const nullValue = raw === '' || !(v >= 0 && v < cls.count) ? undefined : v;
              const { nullValue: _, ...rest } = cls;
              onChange({
                ...extra,
                value: isNull && nullValue === undefined ? firstReal : extra.value,
                class: { ...rest, ...(nullValue !== undefined && { nullValue }) },
              });
            }}
          />
        </>
      )}
      <span id={ids.hint} className={feed === 'label' ? 'warning-text span-all' : 'muted span-all'}>
        {feed === 'label'
          ? 'Each image gets its own label (its class index in the data set): the label then leaks into the features, and the probe and sweep say so.'
          : describeExtraFeed(extra, classNames)}
      </span>
    </div>
  );
}

function EmbeddingField({
  extra,
  onChange,
}: {
  extra: ManifestExtraInput;
  onChange: (entry: ManifestExtraInput, file?: File) => void;
}) {
  const [error, setError] = useState<string | null>(null);
  const pick = async (file: File) => {
    setError(null);
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const npy = readNpy(bytes);
      if (!(npy.data instanceof Float32Array) && !(npy.data instanceof Float64Array))
        throw new Error(`it holds ${npy.descr}; save it as float32`);
      // A text encoder returns [1, L, D] for one prompt: the leading 1 is the batch.
      const shape =
        npy.shape[0] === 1 && npy.shape.length === extra.shape.length + 1 ? npy.shape.slice(1) : npy.shape;
      if (shape.length !== extra.shape.length)
        throw new Error(
          `it has shape (${npy.shape.join(', ')}); ${extra.name} takes ${extra.shape.length} dimensions per image ([${extra.shape.join(', ')}], sizes of 1 may be any)`,
        );
      onChange({ ...extra, shape, data: { file: file.name, sha256: await sha256Hex(bytes) } }, file);
    } catch (e) {
      setError(`${file.name} cannot be fed to ${extra.name}: ${(e as Error).message}`);
    }
  };
  const { data: _, ...zeros } = extra;
  return (
    <div className="extra-input">
      <p>
        <span className="mono">{extra.name}</span> — conditioning embedding [
        {['N', ...extra.shape].join(', ')}]:{' '}
        {extra.data
          ? `fed the constant from ${extra.data.file} for every image`
          : `fed ${extra.value === 0 ? 'zeros' : extra.value} (no prompt)`}
        .
      </p>
      <div className="row">
        <FileButton
          label={`Load an embedding for ${extra.name} (.npy)…`}
          accept=".npy"
          onFiles={(files) => files[0] && void pick(files[0])}
        />
        {extra.data && (
          <button type="button" onClick={() => onChange({ ...zeros, value: 0 })}>
            Feed zeros instead
          </button>
        )}
      </div>
      {error && (
        <p role="alert" className="error-text">
          {error}
        </p>
      )}
    </div>
  );
}

function ConstantField({
  extra,
  onChange,
}: {
  extra: ManifestExtraInput;
  onChange: (entry: ManifestExtraInput) => void;
}) {
  const id = useId();
  const integer = extra.dtype !== 'float32';
  return (
    <div className="form-grid extra-input">
      <label
        htmlFor={id}
      >{`${extra.name} (${extra.dtype}, [${extra.batched ? 'N, ' : ''}${extra.shape.join(', ')}])`}</label>
      <input
        id={id}
        type="number"
        step={integer ? 1 : 'any'}
        value={extra.value}
        onChange={(e) => {
          const v = Number(e.target.value);
          if (Number.isFinite(v)) onChange({ ...extra, value: integer ? Math.round(v) : v });
        }}
      />
    </div>
  );
}

/** The probe's and the sweep's warning while a class input is fed each image's own label. */
export function LabelLeak() {
  const text = useStore((s) => labelLeakText(s.model?.manifest.extraInputs, 'under Model…'));
  if (!text) return null;
  return (
    <p role="note" className="notice notice-warning label-leak">
      <strong>The label leaks into the features.</strong> <span>{text}</span>
    </p>
  );
}
