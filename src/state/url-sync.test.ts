import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getState, useStore } from './store';
import { A, B } from './test-models';
import { decodeView, encodeView } from './url';
import { startUrlSync } from './url-sync';
import { DEFAULT_VIEW } from './view';

/** A window with just what url-sync uses: location, a history stack, popstate. */
function fakeWindow(search: string) {
  const entries = [search];
  let index = 0;
  let onPop: (() => void) | null = null;
  const searchOf = (url: string) => new URL(url, 'https://example.org').search;
  const win = {
    location: {
      pathname: '/app/',
      hash: '',
      get search() {
        return entries[index];
      },
    },
    history: {
      pushState: (_s: unknown, _t: string, url: string) => {
        entries.splice(index + 1);
        entries.push(searchOf(url));
        index++;
      },
      replaceState: (_s: unknown, _t: string, url: string) => {
        entries[index] = searchOf(url);
      },
    },
    addEventListener: (_type: string, fn: () => void) => {
      onPop = fn;
    },
    removeEventListener: () => {
      onPop = null;
    },
  };
  return {
    win: win as unknown as Window,
    entries,
    back() {
      index--;
      onPop?.();
    },
  };
}

const initial = getState();
let stop: (() => void) | null = null;
beforeEach(() => useStore.setState(initial, true));
afterEach(() => stop?.());

const linkForB = `?${new URLSearchParams([
  ['model', 'Other U-Net'],
  ['mh', B.id],
  ['block', '/down_blocks.0/resnets.1/Add'],
  ['block', 'mid block, attn'],
  ['t', '30'],
])}`;

describe('url-sync and links made with another model', () => {
  it('leaves the link in the address bar while the default model stands in for it', () => {
    const page = fakeWindow(linkForB);
    stop = startUrlSync(page.win);
    getState().switchModel(A, true);
    expect(page.win.location.search).toBe(linkForB);
    expect(getState().view.blocks).toEqual(['up1_0']);
    expect(getState().notices.map((n) => n.text)).toEqual([
      `This link was made with model Other U-Net (sha256 ${B.hash.slice(0, 12)}…); the loaded model is the default model (Fashion-MNIST DDPM (DiffProbe default)). Open Other U-Net with 'Open model…' to reproduce it.`,
    ]);
    // Opening the link's model reproduces the link.
    getState().switchModel(B, false);
    expect(getState().view.blocks).toEqual(['/down_blocks.0/resnets.1/Add', 'mid block, attn']);
    expect(decodeView(page.win.location.search)).toEqual(decodeView(linkForB));
  });

  it('writes the address bar again at the user’s first change, and Back returns to the link', () => {
    const page = fakeWindow(linkForB);
    stop = startUrlSync(page.win);
    getState().switchModel(A, true);
    getState().selectBlock('mid', false);
    expect(getState().linkPending).toBeNull();
    expect(decodeView(page.win.location.search)).toEqual({ ...DEFAULT_VIEW, blocks: ['mid'], t: 30 });
    page.back();
    expect(page.win.location.search).toBe(linkForB);
    expect(getState().linkPending?.model).toBe('Other U-Net');
    expect(getState().view.blocks).toEqual(['up1_0']);
  });

  it('does not rewrite or add history for a link of the loaded model (old comma lists included)', () => {
    const page = fakeWindow('?t=250&blocks=mid,up1_0&seed=7');
    stop = startUrlSync(page.win);
    getState().switchModel(A, true);
    expect(page.entries).toEqual(['?t=250&blocks=mid,up1_0&seed=7']);
    expect(getState().view).toMatchObject({ t: 250, blocks: ['mid', 'up1_0'], seed: 7 });
    expect(getState().notices).toEqual([]);
  });

  it('replaces (not pushes) the first model’s correction of the view', () => {
    const page = fakeWindow('?block=no+such+block&t=5');
    stop = startUrlSync(page.win);
    getState().switchModel(A, true);
    expect(page.entries).toEqual(['?t=5']); // up1_0 is the default block, so it is left out
  });

  it('records the model in the URL once another model is opened', () => {
    const page = fakeWindow('');
    stop = startUrlSync(page.win);
    getState().switchModel(A, true);
    expect(page.entries).toEqual(['']);
    getState().switchModel(B, false);
    const view = decodeView(page.win.location.search);
    expect(view.model).toBe('Other U-Net');
    expect(view.modelHash).toBe(B.id);
    expect(view.blocks).toEqual(['/up_blocks.1/resnets.0/Add']);
    expect(page.win.location.search).toBe(encodeView(getState().view));
  });
});
