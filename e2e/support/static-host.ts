/**
 * A static host like GitHub Pages for the e2e tests: serves a build folder with its .br copies
 * (`Content-Encoding: br`) but without COOP/COEP or any CSP header (the built index.html carries
 * the CSP as a meta tag), so the page is cross-origin isolated only if the service worker makes it
 * so. `release` changes sw.js by a comment, as a new deploy would, to drive the update flow.
 */
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

export interface StaticHost {
  url: string;
  /** Serves sw.js with this release's mark (0: as built). */
  release: number;
  /** Requests answered, by path (what the browser really asked the host for). */
  served: string[];
  close(): Promise<void>;
}

/** `port` 0: any free port (host.url says which). */
export async function startStaticHost(root: string, port: number): Promise<StaticHost> {
  const host: StaticHost = { url: `http://127.0.0.1:${port}`, release: 0, served: [], close: async () => {} };
  const server: Server = createServer((req, res) => {
    let path = decodeURIComponent((req.url ?? '/').split('?')[0]);
    if (path.endsWith('/')) path += 'index.html';
    const file = normalize(join(root, path));
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    host.served.push(path);
    const headers: Record<string, string | number> = {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Cache-Control': 'no-cache',
    };
    if (path === '/sw.js' && host.release) {
      const body = `${readFileSync(file, 'utf8')}\n// release ${host.release}\n`;
      res.writeHead(200, headers).end(body);
      return;
    }
    const br = `${file}.br`;
    const send = /\bbr\b/.test(String(req.headers['accept-encoding'] ?? '')) && existsSync(br) ? br : file;
    if (send === br) headers['Content-Encoding'] = 'br';
    headers['Content-Length'] = statSync(send).size;
    res.writeHead(200, headers);
    createReadStream(send).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  if (address && typeof address === 'object') host.url = `http://127.0.0.1:${address.port}`;
  host.close = () => new Promise((resolve) => server.close(() => resolve()));
  return host;
}
