// Syslog over TCP (RFC 6587) or TLS (RFC 5425): one connection at a time, opened on the first
// send and again on the first send after it ended.
//
// A stream has no application acknowledgement: `send` resolves once the batch's bytes are in the
// socket's send buffer, and bytes written just before a connection breaks can be lost there.
// So a batch counts as delivered only after its connection has stayed up `confirmMs` longer
// (default 2 s: a receiver that closes or resets is seen well within that on a working network),
// and `generation` counts the connections that ended. It moves on the moment an end is seen (FIN,
// RST, a failed or stalled write), so the sender sends again every batch not yet confirmed, and
// receivers deduplicate by the eventId in the structured data. It does not move when a connection
// opens: a batch whose send opened the connection is not sent twice.
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';

import {
  formatSyslogMessage,
  frameSyslogMessage,
  type SyslogFraming,
  type SyslogMessageOptions,
} from './syslog-format.js';
import { checkSyslogMessageOptions, syslogDescribe, type SyslogMessageSettings } from './syslog-settings.js';
import { tlsConnectionOptions, type TlsClientOptions } from './tls-client.js';
import { describeNetError, sendError } from './transport-error.js';
import type { SpooledLine, Transport } from './types.js';

export interface SyslogStreamOptions extends SyslogMessageSettings {
  readonly protocol: 'tcp' | 'tls';
  readonly host: string;
  readonly port: number;
  /** default octet-counting, which every RFC 5425/6587 receiver reads */
  readonly framing?: SyslogFraming;
  /** TCP connect plus, for TLS, the handshake (default 5,000) */
  readonly connectTimeoutMs?: number;
  /** a write the peer does not take within this long breaks the connection (default 30,000) */
  readonly writeTimeoutMs?: number;
  /** default 2,000 */
  readonly confirmMs?: number;
  /** for protocol 'tls' only */
  readonly tls?: TlsClientOptions;
}

export class SyslogStreamTransport implements Transport {
  readonly describe: string;
  readonly confirmMs: number;
  private gen = 0;
  private socket: Socket | null = null;
  private connecting: Promise<Socket> | null = null;
  private closed = false;
  private readonly message: SyslogMessageOptions;
  private readonly framing: SyslogFraming;
  private readonly connectTimeoutMs: number;
  private readonly writeTimeoutMs: number;

  constructor(private readonly options: SyslogStreamOptions) {
    this.describe = syslogDescribe(options.protocol, options.host, options.port);
    this.message = checkSyslogMessageOptions(this.describe, options);
    this.framing = options.framing ?? 'octet-counting';
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    this.writeTimeoutMs = options.writeTimeoutMs ?? 30_000;
    this.confirmMs = options.confirmMs ?? 2000;
  }

  get generation(): number {
    return this.gen;
  }

  async send(batch: readonly SpooledLine[]): Promise<void> {
    if (batch.length === 0) return;
    const bytes = Buffer.concat(
      batch.map((line) => frameSyslogMessage(formatSyslogMessage(line, this.message), this.framing)),
    );
    const socket = await this.connection();
    await this.write(socket, bytes);
  }

  async close(): Promise<void> {
    this.closed = true;
    const socket = this.socket ?? (await this.connecting?.catch(() => null)) ?? null;
    if (socket === null || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => socket.destroy(), 1000);
      socket.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.end();
    });
  }

  private connection(): Promise<Socket> {
    if (this.closed) return Promise.reject(sendError(this.describe, 'the transport is closed'));
    if (this.socket !== null) return Promise.resolve(this.socket);
    this.connecting ??= this.open().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private open(): Promise<Socket> {
    const { host, port, protocol } = this.options;
    return new Promise<Socket>((resolve, reject) => {
      const socket =
        protocol === 'tls' ? tlsConnect(this.tlsOptions()) : tcpConnect({ host, port, noDelay: true });
      const fail = (reason: string, cause?: unknown) => {
        clearTimeout(timer);
        socket.destroy();
        reject(sendError(this.describe, reason, cause));
      };
      const timer = setTimeout(() => {
        fail(`no ${protocol === 'tls' ? 'TLS session' : 'connection'} within ${this.connectTimeoutMs} ms`);
      }, this.connectTimeoutMs);
      const onError = (err: Error) => {
        fail(describeNetError(err), err);
      };
      socket.once('error', onError);
      socket.once(protocol === 'tls' ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        this.adopt(socket);
        resolve(socket);
      });
    });
  }

  private tlsOptions(): ConnectionOptions {
    const { host, port, tls } = this.options;
    return { host, port, ...tlsConnectionOptions(host, tls) };
  }

  /** Makes `socket` the connection and watches for its end. */
  private adopt(socket: Socket): void {
    this.socket = socket;
    // Receivers send nothing, but reading is how a FIN or RST is seen while the connection idles.
    socket.on('data', () => undefined);
    socket.on('error', () => {
      this.retire(socket); // a pending write gets the error itself
    });
    socket.once('end', () => {
      this.retire(socket);
      socket.destroy();
    });
    socket.once('close', () => {
      this.retire(socket);
    });
  }

  /** The first sign that `socket` ended: it is no longer the connection, and the generation moves. */
  private retire(socket: Socket): void {
    if (this.socket !== socket) return;
    this.socket = null;
    this.gen++;
  }

  private write(socket: Socket, bytes: Buffer): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.retire(socket);
        socket.destroy();
        reject(sendError(this.describe, `the receiver took no data for ${this.writeTimeoutMs} ms`));
      }, this.writeTimeoutMs);
      socket.write(bytes, (err) => {
        clearTimeout(timer);
        if (err === undefined || err === null) {
          resolve();
          return;
        }
        this.retire(socket);
        reject(sendError(this.describe, `connection lost while writing: ${describeNetError(err)}`, err));
      });
    });
  }
}
