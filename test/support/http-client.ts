import {
  type ClientRequest,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
} from 'node:http';

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
  text: string;
  json<T = Record<string, unknown>>(): T;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string | string[]>;
  /** A list of chunks is written one by one without a length: a chunked request body. */
  body?: Buffer | string | readonly Buffer[];
}

/**
 * A plain node:http request: the path is sent exactly as written (fetch would normalise
 * `%2E` segments away), and the whole reply is collected.
 */
export function request(
  baseUrl: string,
  path: string,
  options: RequestOptions = {},
): Promise<Reply> {
  return sendRequest(baseUrl, path, options, (res) => readReply(res));
}

/**
 * Sends the request without an agent and settles with what `onResponse` makes of the response
 * head; a request error rejects until then.
 */
export function sendRequest<T>(
  baseUrl: string,
  path: string,
  options: RequestOptions,
  onResponse: (res: IncomingMessage, req: ClientRequest) => T | Promise<T>,
): Promise<T> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path,
        method: options.method ?? 'GET',
        headers: headersFor(options),
        agent: false,
      },
      (res) => void Promise.resolve(onResponse(res, req)).then(resolve, reject),
    );
    req.on('error', reject);
    sendBody(req, options.body);
  });
}

/** Collects a response to its end. */
function readReply(res: IncomingMessage): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.on('error', reject);
    res.on('end', () => resolve(toReply(res, Buffer.concat(chunks))));
  });
}

/** A finished response and its whole body as a Reply. */
export function toReply(res: IncomingMessage, body: Buffer): Reply {
  return {
    status: res.statusCode ?? 0,
    headers: res.headers,
    rawHeaders: res.rawHeaders,
    body,
    text: body.toString('utf8'),
    json: <T>() => JSON.parse(body.toString('utf8')) as T,
  };
}

/**
 * The request headers plus a Content-Length for a whole body: node:http sends none for DELETE,
 * OPTIONS or GET bodies, and the body would then be read as the next request.
 */
function headersFor({ headers = {}, body }: RequestOptions): RequestOptions['headers'] {
  const hasLength = Object.keys(headers).some((name) => name.toLowerCase() === 'content-length');
  if (body === undefined || isChunked(body) || hasLength) return headers;
  return { ...headers, 'content-length': String(Buffer.byteLength(body)) };
}

/** Writes the body: a list of chunks one write each, without a length, i.e. chunked. */
function sendBody(req: ClientRequest, body: RequestOptions['body']): void {
  if (!isChunked(body)) return void req.end(body);
  for (const chunk of body) req.write(chunk);
  req.end();
}

const isChunked = (body: RequestOptions['body']): body is readonly Buffer[] => Array.isArray(body);
