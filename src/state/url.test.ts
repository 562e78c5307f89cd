import { describe, expect, it } from 'vitest';
import { decodeView, encodeView } from './url';
import { DEFAULT_VIEW, type ViewState } from './view';

describe('view <-> URL', () => {
  it('round-trips every field', () => {
    const view: ViewState = {
      model: 'my-model.onnx',
      images: ['test:3', 'upload:ab12cd34'],
      t: 250,
      blocks: ['mid', 'up1_0'],
      pooling: 'avg2',
      seed: 4294967295,
    };
    expect(decodeView(encodeView(view))).toEqual(view);
  });

  it('gives the default view a clean URL and decodes it back', () => {
    expect(encodeView(DEFAULT_VIEW)).toBe('');
    expect(decodeView('')).toEqual(DEFAULT_VIEW);
  });

  it('keeps an explicitly empty selection', () => {
    const view = { ...DEFAULT_VIEW, images: [] };
    expect(encodeView(view)).toBe('?img=');
    expect(decodeView('?img=').images).toEqual([]);
  });

  it('ignores malformed values field by field', () => {
    const view = decodeView('?t=-4&seed=abc&pool=median&blocks=mid,%3Cscript%3E&t=12');
    expect(view.t).toBe(DEFAULT_VIEW.t); // first value wins; -4 is not a valid timestep
    expect(view.seed).toBe(DEFAULT_VIEW.seed);
    expect(view.pooling).toBe(DEFAULT_VIEW.pooling);
    expect(view.blocks).toEqual(['mid']);
  });

  it('drops duplicate blocks and rejects absurd values', () => {
    expect(decodeView('?blocks=mid,mid,up0_0').blocks).toEqual(['mid', 'up0_0']);
    expect(decodeView('?t=1e9').t).toBe(DEFAULT_VIEW.t);
    expect(decodeView('?seed=99999999999').seed).toBe(DEFAULT_VIEW.seed);
  });
});
