// A minimal streaming reverse proxy on bare node:http with a keep-alive agent (what http.request-
// based proxies such as http-proxy-middleware sit on), for comparison with the undici one.
// `node reference-node.mjs <port> <upstreamPort>`
import { Agent, createServer, request } from 'node:http';

const [port, upstreamPort] = process.argv.slice(2).map(Number);
// 64 idle sockets kept, like nginx's `keepalive 64`.
const agent = new Agent({ keepAlive: true, maxFreeSockets: 64 });

// Hop-by-hop headers belong to one connection, not to the request being forwarded.
function endToEnd(headers) {
  const copy = { ...headers };
  delete copy.connection;
  delete copy['keep-alive'];
  return copy;
}

const server = createServer((req, res) => {
  const upstream = request(
    {
      host: '127.0.0.1',
      port: upstreamPort,
      method: req.method,
      path: req.url,
      agent,
      headers: endToEnd(req.headers),
    },
    (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode, endToEnd(upstreamRes.headers));
      upstreamRes.pipe(res);
    },
  );
  upstream.once('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(upstream);
});
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1');
