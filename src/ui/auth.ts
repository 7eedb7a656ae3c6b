// Who may talk to the UI server: whoever holds the token printed at start. Every request needs
// it, static files included: `?token=` once (the page then gets an HttpOnly cookie and is
// redirected to a URL without the token), or the cookie, or `Authorization: Bearer <token>`
// for scripts. The cookie is named after the port, because browsers share cookies between
// ports of one host and two vigil UIs must not overwrite each other's token.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** 32 random bytes, base64url: 43 characters, 256 bits. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export type AuthResult =
  { ok: true; via: 'cookie' | 'header' | 'query' } | { ok: false; why: 'missing' | 'wrong' };

export class TokenAuth {
  readonly token: string;
  readonly cookieName: string;
  readonly #digest: Buffer;

  constructor(token: string, port: number) {
    this.token = token;
    this.cookieName = `vigil_ui_${port}`;
    this.#digest = digest(token);
  }

  /** Constant-time: compares digests of equal length whatever the candidate's length. */
  matches(candidate: string): boolean {
    return timingSafeEqual(digest(candidate), this.#digest);
  }

  check(req: IncomingMessage, url: URL): AuthResult {
    const candidates: [AuthResult & { ok: true }, string | undefined][] = [
      [{ ok: true, via: 'header' }, bearer(req.headers.authorization)],
      [{ ok: true, via: 'cookie' }, cookie(req.headers.cookie, this.cookieName)],
      [{ ok: true, via: 'query' }, url.searchParams.get('token') ?? undefined],
    ];
    let seen = false;
    for (const [result, value] of candidates) {
      if (value === undefined) continue;
      seen = true;
      if (this.matches(value)) return result;
    }
    return { ok: false, why: seen ? 'wrong' : 'missing' };
  }

  /** Set-Cookie for a page opened with the token: HttpOnly, SameSite=Strict, session-only. */
  setCookie(): string {
    return `${this.cookieName}=${this.token}; Path=/; HttpOnly; SameSite=Strict`;
  }
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

function bearer(header: string | undefined): string | undefined {
  const m = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header);
  return m?.[1];
}

/** The value of cookie `name` in a Cookie header, if present. */
export function cookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
