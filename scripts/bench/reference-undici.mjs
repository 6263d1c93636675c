// The ceiling: a minimal streaming reverse proxy on undici's dispatcher API (the engine under
// Node's fetch), a keep-alive pool of 64. SPEC §10 wants the router at >= 85% of its req/s.
// `node reference-undici.mjs <port> <upstreamPort>`
import { createServer } from 'node:http';
import { Pool } from 'undici';

const [port, upstreamPort] = process.argv.slice(2).map(Number);
const pool = new Pool(`http://127.0.0.1:${upstreamPort}`, { connections: 64 });

// Hop-by-hop headers belong to one connection; undici frames the body it forwards itself.
function endToEnd(headers) {
  const copy = { ...headers };
  delete copy.connection;
  delete copy['keep-alive'];
  delete copy['transfer-encoding'];
  return copy;
}

const server = createServer((req, res) => {
  const hasBody = req.headers['content-length'] > 0 || req.headers['transfer-encoding'];
  pool.dispatch(
    {
      method: req.method,
      path: req.url,
      headers: endToEnd(req.headers),
      body: hasBody ? req : null,
    },
    {
      onRequestStart() {},
      onResponseStart(_controller, status, headers) {
        res.writeHead(status, endToEnd(headers));
      },
      onResponseData(controller, chunk) {
        if (!res.write(chunk)) {
          controller.pause();
          res.once('drain', () => controller.resume());
        }
      },
      onResponseEnd() {
        res.end();
      },
      onResponseError() {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      },
    },
  );
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1');
