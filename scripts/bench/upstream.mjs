// The benchmark's upstream: as cheap as node:http gets, so the proxies are what is measured.
// `node upstream.mjs <port>`: GET answers a small body, POST drains the body and answers small,
// GET /large streams LARGE_BYTES.
import { createServer } from 'node:http';
import { attachWsEcho } from './ws-echo.mjs';

export const GET_BODY = 'hello from the bench upstream\n';
export const LARGE_PATH = '/large';
export const LARGE_BYTES = 100 * 1024 * 1024;
const POST_BODY = 'ok\n';
const CHUNK = Buffer.alloc(64 * 1024, 'x');

/** LARGE_BYTES of one reused chunk, written as fast as the reader takes them. */
function sendLarge(res) {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': LARGE_BYTES });
  let left = LARGE_BYTES;
  const write = () => {
    while (left > 0) {
      const chunk = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
      left -= chunk.length;
      if (!res.write(chunk)) return void res.once('drain', write);
    }
    res.end();
  };
  write();
}

const server = createServer((req, res) => {
  if (req.url === LARGE_PATH) return sendLarge(res);
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': GET_BODY.length });
    res.end(GET_BODY);
    return;
  }
  req.resume(); // drain without keeping the body
  req.once('end', () => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': POST_BODY.length });
    res.end(POST_BODY);
  });
});
// Longer than any proxy's idle pool timeout, so no proxy reuses a socket this side is closing
// (the keep-alive race that would show up as stray 502s between runs).
server.keepAliveTimeout = 65_000;
// The WebSocket echo scenario's upstream.
attachWsEcho(server);

// run.mjs imports GET_BODY to check what comes back through each proxy; only `node upstream.mjs`
// listens.
if (import.meta.main) server.listen(Number(process.argv[2]), '127.0.0.1');
