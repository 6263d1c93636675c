/**
 * A browser session's credential (SPEC §9): the value of the session cookie, or of the query
 * parameter a navigation brings to be exchanged for that cookie. It stands in for a credential
 * header the request lacks; each check that relies on it says so, with the credential's expiry
 * when it has one, so the exchange knows the credential was checked and how long the cookie may
 * live.
 */
export class SessionCredential {
  /** Whether a check relied on this credential (and found it good, or it threw). */
  used = false;
  /** The earliest expiry a check found, in Unix seconds. */
  expiresAtSeconds?: number;

  constructor(
    /** The credential itself: only for the checks and the cookie the exchange sets. */
    readonly value: string,
    /** From the query: a navigation to answer with 302 + Set-Cookie instead of proxying. */
    readonly fromQuery: boolean,
  ) {}

  /** The credential, for a check that relies on it; `expiresAtSeconds` once it knows one. */
  use(): string {
    this.used = true;
    return this.value;
  }

  expiresAt(seconds: number): void {
    if (this.expiresAtSeconds === undefined || seconds < this.expiresAtSeconds) {
      this.expiresAtSeconds = seconds;
    }
  }
}

/** The first cookie called `name` in a `Cookie` header, percent-decoded; undefined when absent. */
export function cookieValue(header: string, name: string): string | undefined {
  for (const pair of header.split(';')) {
    const cut = pair.indexOf('=');
    if (cut < 0 || pair.slice(0, cut).trim() !== name) continue;
    const raw = pair.slice(cut + 1).trim();
    return decode(
      raw.length > 1 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw,
    );
  }
  return undefined;
}

/** The `Cookie` header without any cookie called `name`; undefined when nothing is left. */
export function withoutCookie(header: string, name: string): string | undefined {
  const kept = header
    .split(';')
    .map((pair) => pair.trim())
    .filter((pair) => pair && pair.slice(0, Math.max(pair.indexOf('='), 0)).trim() !== name);
  return kept.length ? kept.join('; ') : undefined;
}

/** The first value of query parameter `name` in a raw request target; undefined when absent. */
export function queryValue(url: string, name: string): string | undefined {
  const queryAt = url.indexOf('?');
  if (queryAt < 0) return undefined;
  for (const pair of url.slice(queryAt + 1).split('&')) {
    const cut = pair.indexOf('=');
    if (decodeQuery(cut < 0 ? pair : pair.slice(0, cut)) !== name) continue;
    return decodeQuery(cut < 0 ? '' : pair.slice(cut + 1)) ?? '';
  }
  return undefined;
}

/** The raw request target without parameter `name`; everything else byte for byte as sent. */
export function withoutQueryParam(url: string, name: string): string {
  const queryAt = url.indexOf('?');
  if (queryAt < 0) return url;
  const kept = url
    .slice(queryAt + 1)
    .split('&')
    .filter((pair) => decodeQuery(pair.split('=', 1)[0]) !== name);
  return url.slice(0, queryAt) + (kept.length ? `?${kept.join('&')}` : '');
}

/** Percent-decoding that answers undefined for a malformed escape instead of throwing. */
function decode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** Form decoding, as browsers encode queries: `+` is a space. */
const decodeQuery = (text: string) => decode(text.replace(/\+/g, ' '));
