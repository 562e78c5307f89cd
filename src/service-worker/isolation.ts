/**
 * @file Cross-origin isolation from the service worker (the coi-serviceworker approach): on hosts
 * that cannot send COOP/COEP (GitHub Pages), the page's navigation response gets them here, so
 * `crossOriginIsolated` is true and ONNX Runtime runs WASM on several threads. A response that has
 * them already passes unchanged. The added headers carry a `Server-Timing` entry that the page
 * reads (performance.getEntriesByType('navigation')) to say where its isolation comes from.
 */

export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
} as const;

/** The Server-Timing entry's name. */
export const ISOLATED_BY_SW = 'coi-sw';

/** The same response with COOP/COEP when it lacks either, else the response itself. */
export function withIsolation(response: Response): Response {
  const h = response.headers;
  if (h.get('Cross-Origin-Opener-Policy') && h.get('Cross-Origin-Embedder-Policy')) return response;
  // An opaque or error response cannot be rebuilt and would not make a page isolated anyway.
  if (response.type === 'opaque' || response.type === 'opaqueredirect' || response.status === 0)
    return response;
  const headers = new Headers(h);
  for (const [name, value] of Object.entries(ISOLATION_HEADERS)) headers.set(name, value);
  headers.append('Server-Timing', `${ISOLATED_BY_SW};desc="isolation headers added by the service worker"`);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}
