import { describe, expect, it } from 'vitest';
import { decodeView, encodeView } from './url';
import { DEFAULT_VIEW, type ViewState } from './view';

describe('view <-> URL', () => {
  it('round-trips every field', () => {
    const view: ViewState = {
      model: 'my-model.onnx',
      modelHash: '0123456789ab',
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
    const view = decodeView('?t=-4&seed=abc&pool=median&block=mid&block=bad%0Aname&t=12&mh=xyz');
    expect(view.t).toBe(DEFAULT_VIEW.t); // first value wins; -4 is not a valid timestep
    expect(view.seed).toBe(DEFAULT_VIEW.seed);
    expect(view.pooling).toBe(DEFAULT_VIEW.pooling);
    expect(view.blocks).toEqual(['mid']); // a control character is never part of a name
    expect(view.modelHash).toBe('');
  });

  it('drops duplicate blocks and rejects absurd values', () => {
    expect(decodeView('?block=mid&block=mid&block=up0_0').blocks).toEqual(['mid', 'up0_0']);
    expect(decodeView('?blocks=mid,mid,up0_0').blocks).toEqual(['mid', 'up0_0']);
    expect(decodeView('?t=1e9').t).toBe(DEFAULT_VIEW.t);
    expect(decodeView('?seed=99999999999').seed).toBe(DEFAULT_VIEW.seed);
  });

  it('round-trips block names of any shape (ONNX node names, commas, spaces, Unicode)', () => {
    const blocks = [
      '/down_blocks.0/resnets.1/Add',
      'mid block, attn',
      'a b',
      ' leading and trailing ',
      'a+b=c&d?e#f%20',
      ',',
      'Ünïcödé 块 🧪',
      'x'.repeat(256),
    ];
    const view = {
      ...DEFAULT_VIEW,
      blocks,
      model: 'UNet2DModel (diffusers), v2 / ema',
      modelHash: 'abcdef012345',
    };
    const search = encodeView(view);
    expect(decodeView(search)).toEqual(view);
    // One parameter per block, so a comma inside a name never splits it.
    expect(new URLSearchParams(search).getAll('block')).toEqual(blocks);
    // Through a real URL too (the browser's location.search is what the app reads back).
    expect(decodeView(new URL(`https://example.org/app/${search}#x`).search)).toEqual(view);
  });

  it('rejects names that are empty, too long, or hold control characters', () => {
    const search = `?${new URLSearchParams([
      ['block', 'ok'],
      ['block', 'x'.repeat(257)],
      ['block', 'tab\there'],
      ['block', 'nul\u0000'],
      ['block', 'del\u007f'],
      ['block', 'c1\u0085'],
    ]).toString()}`;
    expect(decodeView(search).blocks).toEqual(['ok']);
    expect(decodeView('?model=%0A').model).toBe(DEFAULT_VIEW.model);
  });

  it('keeps an explicitly empty block list apart from an absent one', () => {
    const view = { ...DEFAULT_VIEW, blocks: [] };
    expect(encodeView(view)).toBe('?block=');
    expect(decodeView('?block=').blocks).toEqual([]);
    expect(decodeView('').blocks).toEqual(DEFAULT_VIEW.blocks);
  });

  it('still reads older links with comma-joined lists', () => {
    const view = decodeView('?t=250&blocks=mid,up1_0&img=test:0,test:1&seed=7');
    expect(view.blocks).toEqual(['mid', 'up1_0']);
    expect(view.images).toEqual(['test:0', 'test:1']);
    expect(view.t).toBe(250);
    // The new parameter wins when a link has both.
    expect(decodeView('?blocks=mid&block=up1_0').blocks).toEqual(['up1_0']);
  });

  it('records the model by name and hash prefix, and leaves the default model out', () => {
    const view = { ...DEFAULT_VIEW, model: 'my unet', modelHash: 'ABCDEF012345' };
    const decoded = decodeView(encodeView(view));
    expect(decoded.model).toBe('my unet');
    expect(decoded.modelHash).toBe('abcdef012345');
    expect(encodeView({ ...DEFAULT_VIEW })).toBe('');
    expect(new URLSearchParams(encodeView(decoded)).get('mh')).toBe('abcdef012345');
  });
});
