// A small static server for the page: node www/scripts/serve.mjs [port] [--quiet]
// Serves the repository root on 127.0.0.1 with the right MIME types (application/wasm).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const port = Number(args.find((a) => /^\d+$/.test(a)) ?? process.env.PORT ?? 8080);
const quiet = args.includes('--quiet');
const types = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.wasm': 'application/wasm', '.json': 'application/json', '.png': 'image/png',
  '.svg': 'image/svg+xml', '.ico': 'image/x-icon', '.txt': 'text/plain; charset=utf-8',
};

// Text and wasm go gzipped to a browser that accepts it, as a static host sends them (the wasm
// is 562 KB raw, 240 KB gzipped); each file is compressed once per version.
const compressible = /^(text\/|application\/(wasm|json)|image\/svg)/;
const gzipped = new Map();
function gzip(file, data, mtime) {
  const hit = gzipped.get(file);
  if (hit && hit.mtime === mtime && hit.size === data.length) return hit.gz;
  const gz = zlib.gzipSync(data);
  gzipped.set(file, { mtime, size: data.length, gz });
  return gz;
}

export function serve(p = port) {
  const server = http.createServer((req, res) => {
    let rel;
    try {
      rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      res.writeHead(400).end('bad request');
      return;
    }
    if (rel.endsWith('/')) rel += 'index.html';
    const file = path.resolve(root, '.' + rel);
    if (!file.startsWith(root + path.sep) || rel.includes('/.')) {
      res.writeHead(403).end('forbidden');
      return;
    }
    fs.readFile(file, (err, data) => {
      if (err) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      const type = types[path.extname(file)] || 'application/octet-stream';
      const headers = { 'content-type': type, 'cache-control': 'no-store', vary: 'accept-encoding' };
      if (compressible.test(type) && /\bgzip\b/.test(req.headers['accept-encoding'] || '')) {
        let mtime = 0;
        try { mtime = fs.statSync(file).mtimeMs; } catch { /* compressed anew */ }
        data = gzip(file, data, mtime);
        headers['content-encoding'] = 'gzip';
      }
      res.writeHead(200, headers);
      res.end(data);
    });
  });
  return new Promise((resolve) => server.listen(p, '127.0.0.1', () => resolve(server)));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const server = await serve(port);
  const addr = server.address();
  if (!quiet) console.log(`Optimizer Playground: http://127.0.0.1:${addr.port}/`);
}
