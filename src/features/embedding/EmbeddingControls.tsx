import { useId } from 'react';
import type { EmbedMethod } from '../../worker/jobs';
import { type EmbeddingForm, type FormErrors, withMethod } from './settings';

/** The embedding settings form; shows only the fields the chosen method uses. */
export function EmbeddingControls({
  form,
  errors,
  maxPoints,
  onChange,
}: {
  form: EmbeddingForm;
  errors: FormErrors;
  maxPoints: number;
  onChange: (form: EmbeddingForm) => void;
}) {
  const base = useId();
  const id = (k: keyof EmbeddingForm) => `${base}-${k}`;
  const text = (k: keyof EmbeddingForm, label: string, props: Record<string, unknown> = {}) => (
    <>
      <label htmlFor={id(k)}>{label}</label>
      <input
        id={id(k)}
        value={String(form[k])}
        aria-invalid={Boolean(errors[k])}
        onChange={(e) => onChange({ ...form, [k]: e.target.value })}
        {...props}
      />
    </>
  );
  const problems = Object.values(errors);
  return (
    <>
      <div className="form-grid embedding-form">
        {text('count', 'Points', { type: 'number', min: 5, max: maxPoints })}
        <label htmlFor={id('choice')}>Which points</label>
        <select
          id={id('choice')}
          value={form.choice}
          onChange={(e) => onChange({ ...form, choice: e.target.value as EmbeddingForm['choice'] })}
        >
          <option value="first">First N of the test split</option>
          <option value="sample">Seeded sample of the test split</option>
        </select>
        <label htmlFor={id('method')}>Embedding method</label>
        <select
          id={id('method')}
          value={form.method}
          onChange={(e) => onChange(withMethod(form, e.target.value as EmbedMethod))}
        >
          <option value="tsne">t-SNE</option>
          <option value="pca">PCA</option>
          <option value="umap">UMAP</option>
        </select>
        {text('seed', 'Embedding seed', { type: 'number', min: 0 })}
        {form.method === 'tsne' && (
          <>
            {text('perplexity', 'Perplexity', { type: 'number', min: 1, step: 'any' })}
            {text('learningRate', 'Learning rate', { type: 'text', placeholder: 'auto' })}
            {text('earlyExaggeration', 'Early exaggeration', { type: 'number', min: 1, step: 'any' })}
          </>
        )}
        {form.method === 'umap' && (
          <>
            {text('nNeighbors', 'UMAP neighbours', { type: 'number', min: 2, max: 200 })}
            {text('minDist', 'UMAP min. distance', { type: 'number', min: 0, max: 1, step: 0.05 })}
          </>
        )}
        {form.method !== 'pca' &&
          text('nIter', form.method === 'umap' ? 'Epochs' : 'Iterations', { type: 'number', min: 1 })}
      </div>
      <label className="row">
        <input
          type="checkbox"
          checked={form.standardize}
          onChange={(e) => onChange({ ...form, standardize: e.target.checked })}
        />
        Standardise features first (off by default, as in scikit-learn and openTSNE)
      </label>
      {problems.length > 0 && (
        <ul className="error-text embedding-errors">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
    </>
  );
}
