/**
 * @file ViewState ⇄ URL query string, for the keys VIEW_PERSISTENCE sends to the URL.
 * Decoding never throws: bad values fall back to the defaults, field by field.
 *
 * Lists are repeated parameters (`block=a&block=b`), one value each, so any block name survives
 * (ONNX node names hold '/', '.', spaces and commas). An empty list is one empty value (`img=`).
 * Links from before that used comma-joined lists: `blocks=a,b` (another parameter name, so it is
 * never confused with a name that holds a comma) and `img=test:0,test:1` (image ids never hold a
 * comma, so splitting them stays exact) are still read.
 */
import { VIEW_PERSISTENCE } from './persistence';
import { DEFAULT_VIEW, sanitizeView, type ViewState } from './view';

const PARAM: { [K in keyof ViewState]: string } = {
  model: 'model',
  modelHash: 'mh',
  images: 'img',
  t: 't',
  blocks: 'block',
  pooling: 'pool',
  seed: 'seed',
};

const LISTS = new Set<keyof ViewState>(['images', 'blocks']);
const NUMBERS = new Set<keyof ViewState>(['t', 'seed']);
/** Comma-joined lists of older links, read when the list's own parameter is absent. */
const LEGACY_LISTS: Partial<Record<keyof ViewState, string>> = { blocks: 'blocks' };
/** Lists whose items can never contain a comma, so a comma-joined value is split. */
const COMMA_FREE = new Set<keyof ViewState>(['images']);

const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** Encodes only what differs from the defaults, so the default view has a clean URL. */
export function encodeView(view: ViewState): string {
  const params = new URLSearchParams();
  for (const key of Object.keys(PARAM) as (keyof ViewState)[]) {
    if (VIEW_PERSISTENCE[key] !== 'url') continue;
    const value = view[key];
    const def = DEFAULT_VIEW[key];
    if (Array.isArray(value)) {
      if (sameList(value, def as string[])) continue;
      if (!value.length) params.append(PARAM[key], '');
      for (const item of value) params.append(PARAM[key], item);
    } else if (String(value) !== String(def)) params.set(PARAM[key], String(value));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

export function decodeView(search: string): ViewState {
  const params = new URLSearchParams(search);
  const raw: Partial<Record<keyof ViewState, unknown>> = {};
  for (const key of Object.keys(PARAM) as (keyof ViewState)[]) {
    if (VIEW_PERSISTENCE[key] !== 'url') continue;
    if (LISTS.has(key)) {
      const items = decodeList(params, key);
      if (items) raw[key] = items;
      continue;
    }
    const text = params.get(PARAM[key]);
    if (text === null) continue;
    if (NUMBERS.has(key)) raw[key] = /^\d+$/.test(text) ? Number(text) : undefined;
    else raw[key] = text;
  }
  return sanitizeView(raw);
}

/** A list from its repeated parameter (or an older link's comma-joined one); null when absent. */
function decodeList(params: URLSearchParams, key: keyof ViewState): string[] | null {
  const values = params.getAll(PARAM[key]);
  if (values.length) {
    const items = values.filter((v) => v !== '');
    return COMMA_FREE.has(key) ? items.flatMap((v) => v.split(',')).filter(Boolean) : items;
  }
  const legacy = LEGACY_LISTS[key];
  const text = legacy ? params.get(legacy) : null;
  if (text === null) return null;
  return text === '' ? [] : text.split(',');
}
