/**
 * @file "Copy link": the address that reopens the current view (model, images, t, blocks, pooling,
 * seed), built from the view itself with the URL table (state/url.ts), so it is right even while
 * the address bar still shows a pending link for another model.
 */
import { getState } from '../state/store';
import { encodeView } from '../state/url';

export function viewLink(location: Pick<Location, 'origin' | 'pathname'> = window.location): string {
  return `${location.origin}${location.pathname}${encodeView(getState().view)}`;
}

/** Copies viewLink() to the clipboard; false when the browser refuses (then show it to copy by hand). */
export async function copyViewLink(): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(viewLink());
    return true;
  } catch {
    return false;
  }
}
