import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { compressedCopies, previewCompressed } from './tools/vite/compression.ts';
import { serviceWorker } from './tools/vite/pwa.ts';

/**
 * Cross-origin isolation makes `crossOriginIsolated` true, which onnxruntime-web needs for
 * SharedArrayBuffer and therefore multi-threaded WASM. Without it ORT silently runs one thread.
 */
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * The production Content-Security-Policy. Only our own origin; no remote code; no eval.
 * 'wasm-unsafe-eval' is required: browsers treat WebAssembly compilation as eval, and onnxruntime-web
 * compiles its kernels from a .wasm file. blob: is allowed for workers because ORT's threaded WASM
 * build may spawn its pthread workers from a blob URL, and for images/downloads we create ourselves.
 * The dev server does not get it: Vite's HMR and React refresh inject inline scripts.
 */
export const contentSecurityPolicy = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob: mediastream:",
  "connect-src 'self' blob: data:",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Puts the CSP into the built index.html as a meta tag, so any static host enforces it. */
function cspMeta(): Plugin {
  return {
    name: 'diffprobe-csp-meta',
    apply: 'build',
    transformIndexHtml(html) {
      // frame-ancestors is ignored in a meta tag; it is sent as a header by preview and in docs/deploy.md.
      const policy = contentSecurityPolicy.replace("; frame-ancestors 'none'", '');
      return html.replace(
        '<head>',
        `<head>\n    <meta http-equiv="Content-Security-Policy" content="${policy}" />`,
      );
    },
  };
}

/** What the preview server sends with every response (docs/deploy.md: the same for real hosts). */
const previewHeaders = {
  ...isolationHeaders,
  'Content-Security-Policy': contentSecurityPolicy,
  'Cache-Control': 'no-cache',
};

// `vite build --mode deploy` (npm run build): the best brotli for large files too (minutes, not seconds).
export default defineConfig(({ mode }) => ({
  plugins: [
    react(),
    cspMeta(),
    serviceWorker(),
    compressedCopies(mode === 'deploy'),
    previewCompressed(previewHeaders),
  ],
  server: { headers: isolationHeaders },
  preview: { headers: previewHeaders },
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 2000 },
}));
