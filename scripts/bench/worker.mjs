// A SandboxFusion-like worker for the pool scenario, as cheap as node:http gets (like upstream.mjs).
// `node worker.mjs <port>`: GET /v1/ping answers the JSON string "pong" (the router's health
// check, SPEC §3.5); POST /run_code drains the body and answers a small SandboxFusion-shaped result.
import { createServer } from 'node:http';

export const RUN_CODE_PATH = '/run_code';
// What `print(1)` comes back as from SandboxFusion's /run_code.
export const RUN_CODE_RESULT = {
  status: 'Success',
  message: '',
  compile_result: null,
  run_result: {
    status: 'Finished',
    execution_time: 0.01,
    return_code: 0,
    stdout: '1\n',
    stderr: '',
  },
  executor_pod_name: null,
  files: {},
};
const RUN_CODE_BODY = Buffer.from(JSON.stringify(RUN_CODE_RESULT));
const PONG = Buffer.from(JSON.stringify('pong'));

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length });
  res.end(body);
}

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/v1/ping') return send(res, 200, PONG);
  req.resume(); // drain without keeping the body
  req.once('end', () => {
    if (req.method === 'POST' && req.url === RUN_CODE_PATH) send(res, 200, RUN_CODE_BODY);
    else send(res, 404, Buffer.from('{"detail":"Not Found"}'));
  });
});
// As upstream.mjs: longer than any proxy's idle pool timeout (no keep-alive race, no stray 502s).
server.keepAliveTimeout = 65_000;

// run.mjs imports the constants to check what comes back; only `node worker.mjs` listens.
if (import.meta.main) server.listen(Number(process.argv[2]), '127.0.0.1');
