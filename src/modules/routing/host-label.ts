/**
 * The route label of the OpenSandbox ingress and its relatives: the first DNS label of a
 * sandbox host (`my-sandbox-8080.sandbox.example.com`), or the value of `OpenSandbox-Ingress-To`.
 * Pure functions, shared by the host and OpenSandbox header strategies.
 */

/** How a label names sandbox and port (`routing.host.format`). */
export type HostLabelFormat = 'name-port' | 'port-name' | 'name-namespace-port';

export interface ParsedHostLabel {
  readonly sandboxId: string;
  readonly port: number;
  /** Only the `name-namespace-port` format names one. */
  readonly namespace?: string;
  /** Signed form (SPEC §9): base36 expiry in seconds, and the 9-character signature. */
  readonly expiresB36?: string;
  readonly signature?: string;
}

const DNS_LABEL = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/;
const MAX_LABEL = 63;
/** No leading zero: `08080` is refused, as the OpenSandbox ingress does. */
const PORT = /^[1-9]\d{0,4}$/;
/** `strconv.FormatUint(sec, 36)`: lower-case, no leading zero, fits in a uint64 (13 digits). */
const EXPIRES_B36 = /^(?:0|[1-9a-z][0-9a-z]{0,12})$/;
/** Eight lower-case hex digits of the HMAC, then the one-character key id. */
const SIGNATURE = /^[0-9a-f]{8}[0-9a-z]$/;

export function isDnsLabel(value: string): boolean {
  return value.length <= MAX_LABEL && DNS_LABEL.test(value);
}

/** A port segment: decimal 1-65535 without a leading zero, else undefined. */
export function parsePort(raw: string): number | undefined {
  if (!PORT.test(raw)) return undefined;
  const port = Number(raw);
  return port <= 65535 ? port : undefined;
}

/**
 * The route label of a host-like value: an optional `http://` / `https://` scheme is dropped
 * (OpenSandbox clients send either), then everything from the first `.`, `:` or `/` on.
 */
export function firstLabel(value: string): string {
  const host = value
    .trim()
    .toLowerCase()
    .replace(/^https?:\/\//, '');
  const end = host.search(/[.:/]/);
  return end < 0 ? host : host.slice(0, end);
}

/** Parses one label in the given format; undefined when it is malformed. */
export function parseHostLabel(
  label: string,
  format: HostLabelFormat = 'name-port',
): ParsedHostLabel | undefined {
  switch (format) {
    case 'name-port':
      return parseSigned(label) ?? parseNamePort(label);
    case 'port-name':
      return parsePortName(label);
    case 'name-namespace-port':
      return parseNameNamespacePort(label);
  }
}

/** `<sandbox-id>-<port>`, split at the last `-`: the id may itself contain hyphens. */
function parseNamePort(label: string): ParsedHostLabel | undefined {
  const cut = label.lastIndexOf('-');
  if (cut < 0) return undefined;
  return route(label.slice(0, cut), label.slice(cut + 1));
}

/**
 * `<sandbox-id>-<port>-<expires_b36>-<sig9>`, recognised by the shape of its last three
 * segments; anything else falls back to the plain form, like the OpenSandbox ingress.
 */
function parseSigned(label: string): ParsedHostLabel | undefined {
  const parts = label.split('-');
  if (parts.length < 4) return undefined;
  const [port, expiresB36, signature] = parts.slice(-3);
  if (!SIGNATURE.test(signature) || !EXPIRES_B36.test(expiresB36)) return undefined;
  const key = route(parts.slice(0, -3).join('-'), port);
  return key && { ...key, expiresB36, signature };
}

/** E2B: `<port>-<sandbox-id>`, split at the first `-`. */
function parsePortName(label: string): ParsedHostLabel | undefined {
  const cut = label.indexOf('-');
  if (cut < 0) return undefined;
  return route(label.slice(cut + 1), label.slice(0, cut));
}

/**
 * `<sandbox-id>--<namespace>-<port>`: the port after the last `-`, the namespace after the
 * first `--` (so in this format a sandbox id cannot contain `--`; a namespace may).
 */
function parseNameNamespacePort(label: string): ParsedHostLabel | undefined {
  const portCut = label.lastIndexOf('-');
  if (portCut < 0) return undefined;
  const head = label.slice(0, portCut);
  const nsCut = head.indexOf('--');
  if (nsCut < 0) return undefined;
  const namespace = head.slice(nsCut + 2);
  if (!isDnsLabel(namespace)) return undefined;
  const key = route(head.slice(0, nsCut), label.slice(portCut + 1));
  return key && { ...key, namespace };
}

function route(sandboxId: string, rawPort: string): ParsedHostLabel | undefined {
  const port = parsePort(rawPort);
  return port !== undefined && isDnsLabel(sandboxId) ? { sandboxId, port } : undefined;
}
