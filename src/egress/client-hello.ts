// The server name a client sends first on a connection: the TLS ClientHello's server_name
// extension (RFC 6066), read from the handshake records without decrypting anything, or the Host
// header of a plain HTTP/1.x request. Node's TLS stack cannot hand out a ClientHello without
// terminating the connection, so the few fields needed are read here, bounded in every length.

/** The most bytes read before giving up: a ClientHello with post-quantum key shares is ~2 KB. */
export const HELLO_MAX_BYTES = 16 * 1024;

export type FirstBytes =
  | { readonly kind: 'more' }
  | {
      readonly kind: 'tls';
      /** the server_name's host_name; null when the client sent none */
      readonly serverName: string | null;
      /** an encrypted_client_hello extension: the real name is hidden */
      readonly ech: boolean;
    }
  | { readonly kind: 'http'; readonly host: string | null }
  | { readonly kind: 'unknown'; readonly why: string };

const TLS_HANDSHAKE = 0x16;
const CLIENT_HELLO = 1;
const EXT_SERVER_NAME = 0x0000;
const EXT_ECH = 0xfe0d;
const HOST_NAME = 0;

// Control flow inside readFirstBytes only: never leave this file.
class Short extends Error {}
class Bad extends Error {}

/** A bounds-checked reader over one buffer. */
class Reader {
  #at = 0;
  constructor(private readonly buf: Buffer) {}
  get left(): number {
    return this.buf.length - this.#at;
  }
  u8(): number {
    if (this.left < 1) throw new Bad('truncated');
    return this.buf[this.#at++] as number;
  }
  u16(): number {
    if (this.left < 2) throw new Bad('truncated');
    const v = this.buf.readUInt16BE(this.#at);
    this.#at += 2;
    return v;
  }
  u24(): number {
    return (this.u8() << 16) | this.u16();
  }
  bytes(n: number): Buffer {
    if (this.left < n) throw new Bad('truncated');
    const v = this.buf.subarray(this.#at, this.#at + n);
    this.#at += n;
    return v;
  }
}

/** The handshake bytes of the leading TLS records (a ClientHello may span several). */
function handshakeBytes(buf: Buffer, need: number): Buffer {
  const parts: Buffer[] = [];
  let have = 0;
  let at = 0;
  while (have < need) {
    if (buf.length < at + 5) throw new Short();
    if (buf[at] !== TLS_HANDSHAKE)
      throw new Bad('a record that is not a handshake before the ClientHello ended');
    const len = buf.readUInt16BE(at + 3);
    if (len === 0 || len > 16384 + 256) throw new Bad('a TLS record of impossible length');
    if (buf.length < at + 5 + len) throw new Short();
    parts.push(buf.subarray(at + 5, at + 5 + len));
    have += len;
    at += 5 + len;
  }
  return Buffer.concat(parts);
}

function parseHello(body: Buffer): { serverName: string | null; ech: boolean } {
  const r = new Reader(body);
  r.u16(); // legacy_version
  r.bytes(32); // random
  r.bytes(r.u8()); // legacy_session_id
  r.bytes(r.u16()); // cipher_suites
  r.bytes(r.u8()); // legacy_compression_methods
  if (r.left === 0) return { serverName: null, ech: false }; // no extensions at all
  const ext = new Reader(r.bytes(r.u16()));
  let serverName: string | null = null;
  let ech = false;
  while (ext.left > 0) {
    const type = ext.u16();
    const data = ext.bytes(ext.u16());
    if (type === EXT_ECH) ech = true;
    if (type !== EXT_SERVER_NAME) continue;
    const sn = new Reader(data);
    const list = new Reader(sn.bytes(sn.u16()));
    while (list.left > 0) {
      const kind = list.u8();
      const name = list.bytes(list.u16());
      if (kind !== HOST_NAME) continue;
      if (serverName !== null) throw new Bad('two host names in server_name');
      // RFC 6066: ASCII, no trailing dot; anything else is not a name a policy can match
      if (!/^[\x21-\x7e]+$/.test(name.toString('latin1'))) throw new Bad('a server name that is not ASCII');
      serverName = name.toString('ascii');
    }
  }
  return { serverName, ech };
}

function readTls(buf: Buffer): FirstBytes {
  if (buf.length < 9) return { kind: 'more' };
  // the handshake header (type, 24-bit length) is the first 4 bytes of the first record's body
  const first = handshakeBytes(buf, 4);
  if (first[0] !== CLIENT_HELLO) return { kind: 'unknown', why: 'a TLS handshake that is not a ClientHello' };
  const len = ((first[1] as number) << 16) | first.readUInt16BE(2);
  if (len + 4 > HELLO_MAX_BYTES) return { kind: 'unknown', why: 'a ClientHello larger than 16 KB' };
  const hs = handshakeBytes(buf, len + 4);
  return { kind: 'tls', ...parseHello(hs.subarray(4, 4 + len)) };
}

const METHOD = /^[A-Z]{3,10} \S+ HTTP\/1\.[01]\r\n/;

function readHttp(buf: Buffer): FirstBytes {
  // decided on the first line: a client that sends a banner (SSH) would otherwise be waited on
  const line = buf.indexOf('\r\n');
  if (line >= 0 && !METHOD.test(buf.subarray(0, line + 2).toString('latin1')))
    return { kind: 'unknown', why: 'not an HTTP/1.x request' };
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0)
    return buf.length >= HELLO_MAX_BYTES
      ? { kind: 'unknown', why: 'a request head over 16 KB' }
      : { kind: 'more' };
  const head = buf.subarray(0, end + 2).toString('latin1');
  const hosts = head
    .split('\r\n')
    .slice(1)
    .filter((l) => /^host:/i.test(l))
    .map((l) => l.slice(5).trim());
  if (hosts.length > 1) return { kind: 'unknown', why: 'two Host headers' };
  const host = hosts[0];
  if (host === undefined || host === '') return { kind: 'http', host: null };
  // host[:port], or [v6]:port
  const name = host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d+$/, '');
  return { kind: 'http', host: name };
}

/** What the first bytes of a connection say about the server it wants. */
export function readFirstBytes(buf: Buffer): FirstBytes {
  if (buf.length === 0) return { kind: 'more' };
  try {
    if (buf[0] === TLS_HANDSHAKE) return readTls(buf);
    if (buf.length >= HELLO_MAX_BYTES && buf.indexOf('\r\n\r\n') < 0)
      return { kind: 'unknown', why: 'no TLS ClientHello or HTTP request in the first 16 KB' };
    if (/^[A-Z]/.test(String.fromCharCode(buf[0] as number))) return readHttp(buf);
    return { kind: 'unknown', why: 'neither a TLS ClientHello nor an HTTP request' };
  } catch (err) {
    if (err instanceof Short)
      return buf.length >= HELLO_MAX_BYTES + 5
        ? { kind: 'unknown', why: 'a ClientHello over 16 KB' }
        : { kind: 'more' };
    if (err instanceof Bad) return { kind: 'unknown', why: `a malformed ClientHello: ${err.message}` };
    throw err;
  }
}
