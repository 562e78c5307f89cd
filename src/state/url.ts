/**
 * @file ViewState ⇄ URL query string, for the keys VIEW_PERSISTENCE sends to the URL.
 * Decoding never throws: bad values fall back to the defaults, field by field.
 */
import { VIEW_PERSISTENCE } from './persistence';
import { DEFAULT_VIEW, sanitizeView, type ViewState } from './view';

const PARAM: { [K in keyof ViewState]: string } = {
  model: 'model',
  images: 'img',
  t: 't',
  blocks: 'blocks',
  pooling: 'pool',
  seed: 'seed',
};

const LISTS = new Set<keyof ViewState>(['images', 'blocks']);
const NUMBERS = new Set<keyof ViewState>(['t', 'seed']);

/** Encodes only what differs from the defaults, so the default view has a clean URL. */
export function encodeView(view: ViewState): string {
  const params = new URLSearchParams();
  for (const key of Object.keys(PARAM) as (keyof ViewState)[]) {
    if (VIEW_PERSISTENCE[key] !== 'url') continue;
    const value = view[key];
    const text = Array.isArray(value) ? value.join(',') : String(value);
    const def = DEFAULT_VIEW[key];
    const defText = Array.isArray(def) ? def.join(',') : String(def);
    if (text !== defText) params.set(PARAM[key], text);
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

export function decodeView(search: string): ViewState {
  const params = new URLSearchParams(search);
  const raw: Partial<Record<keyof ViewState, unknown>> = {};
  for (const key of Object.keys(PARAM) as (keyof ViewState)[]) {
    if (VIEW_PERSISTENCE[key] !== 'url') continue;
    const text = params.get(PARAM[key]);
    if (text === null) continue;
    if (LISTS.has(key)) raw[key] = text === '' ? [] : text.split(',');
    else if (NUMBERS.has(key)) raw[key] = /^\d+$/.test(text) ? Number(text) : undefined;
    else raw[key] = text;
  }
  return sanitizeView(raw);
}
