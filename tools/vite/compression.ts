/**
 * @file Build and preview plugins for serving DiffProbe small: brotli and gzip copies beside every
 * compressible file of the build (vite-plugin-compression2), and a preview server that sends them
 * with `Content-Encoding` and caches hashed assets for good (docs/deploy.md has the same for nginx,
 * Netlify and Cloudflare).
 */
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants } from 'node:zlib';
import sirv from 'sirv';
import type { Plugin, PreviewServer } from 'vite';
import { compression, defineAlgorithm } from 'vite-plugin-compression2';

/**
 * Files worth compressing: text, the ONNX Runtime .wasm (14.2 MB → 2.4 MB with brotli) and the
 * model (a little). The data set's PNG parts are compressed already.
 */
const COMPRESSIBLE = /\.(html|css|js|mjs|json|svg|webmanifest|wasm|onnx|u8|txt)$/;

/** Large files whose best brotli takes minutes: the .wasm at quality 11 takes 1–4 min here, 9 s at 5. */
const LARGE = 1_000_000;

/**
 * Brotli quality: 11 (the best) for files under 1 MB; for larger ones 11 only in a deploy build
 * (`npm run build`, `vite build --mode deploy`), else 5 so that the test builds stay quick
 * (the .wasm: 2.36 MB at 11, 2.83 MB at 5).
 */
export function brotliQuality(bytes: number, deploy: boolean): number {
  return bytes < LARGE || deploy ? 11 : 5;
}

const brotli = promisify(brotliCompress);

/** brotli (.br) and gzip (.gz) copies of every compressible file, public/ included. */
export function compressedCopies(deploy: boolean): Plugin {
  return compression({
    include: COMPRESSIBLE,
    threshold: 1024,
    skipIfLargerOrEqual: true,
    algorithms: [
      defineAlgorithm('gzip', { level: 9 }),
      defineAlgorithm((buf, _options) => {
        const bytes = (buf as Buffer).length;
        return brotli(buf as Buffer, {
          params: {
            [constants.BROTLI_PARAM_QUALITY]: brotliQuality(bytes, deploy),
            [constants.BROTLI_PARAM_SIZE_HINT]: bytes,
            // A 16 MB window: long-range repeats in the .wasm (1.5% smaller than the default 4 MB).
            [constants.BROTLI_PARAM_LGWIN]: 24,
          },
        });
      }, {}),
    ],
    filename: (id, { algorithm }) => (typeof algorithm === 'function' ? `${id}.br` : `${id}.gz`),
  });
}

/** Hashed build outputs never change under their name: cache them for a year without asking again. */
export function cacheControl(pathname: string): string {
  return /^\/assets\//.test(pathname) ? 'public, max-age=31536000, immutable' : 'no-cache';
}

/**
 * `vite preview` serves files as they are (gzipping some on the fly, never .wasm). This serves
 * the build's .br / .gz copies with `Content-Encoding` when the browser accepts them, with the
 * page's headers and `Cache-Control` ({@link cacheControl}); everything else falls through to
 * Vite's own middleware (index.html, files without a compressed copy).
 */
export function previewCompressed(headers: Record<string, string>): Plugin {
  return {
    name: 'diffprobe-preview-compressed',
    configurePreviewServer(server: PreviewServer) {
      const serve = sirv(resolve(server.config.root, server.config.build.outDir), {
        brotli: true,
        gzip: true,
        etag: true,
        extensions: [],
        setHeaders(res, pathname) {
          for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
          res.setHeader('Cache-Control', cacheControl(pathname));
        },
      });
      server.middlewares.use((req, res, next) => {
        const path = (req.url ?? '').split('?')[0];
        // Navigations and the service worker itself stay with Vite (index.html, the SPA fallback).
        if (path === '/' || path.endsWith('.html')) return next();
        serve(req, res, next);
      });
    },
  };
}
