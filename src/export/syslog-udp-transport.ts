// Syslog over UDP (RFC 5426): one message per datagram, no acknowledgement of any kind.
// `send` resolves once every datagram has left the socket, so confirmMs is 0: there is no later
// moment at which delivery could be known either. The socket is connected to the receiver, so an
// ICMP "port unreachable" for one datagram fails the next send with ECONNREFUSED: a receiver
// that is down is reported on the next send (that batch is retried), though the datagrams sent
// before the ICMP error came back are lost: UDP is for destinations that accept such loss.
import { createSocket, type Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

import { formatSyslogMessage, MAX_UDP_MESSAGE_BYTES, type SyslogMessageOptions } from './syslog-format.js';
import { checkSyslogMessageOptions, syslogDescribe, type SyslogMessageSettings } from './syslog-settings.js';
import { describeNetError, sendError } from './transport-error.js';
import type { SpooledLine, Transport } from './types.js';

export interface SyslogUdpOptions extends SyslogMessageSettings {
  readonly host: string;
  readonly port: number;
}

export class SyslogUdpTransport implements Transport {
  readonly describe: string;
  readonly confirmMs = 0;
  /** nothing to confirm, so nothing to send again: a new socket changes nothing */
  readonly generation = 0;
  private socket: Socket | null = null;
  private opening: Promise<Socket> | null = null;
  private closed = false;
  /** an ICMP error the socket reported since the last send (port unreachable: ECONNREFUSED) */
  private refused: Error | null = null;
  private readonly message: SyslogMessageOptions;

  constructor(private readonly options: SyslogUdpOptions) {
    this.describe = syslogDescribe('udp', options.host, options.port);
    this.message = checkSyslogMessageOptions(this.describe, options, MAX_UDP_MESSAGE_BYTES);
  }

  async send(batch: readonly SpooledLine[]): Promise<void> {
    for (const line of batch) {
      const socket = await this.connected();
      const refused = this.refused;
      if (refused !== null) {
        this.refused = null;
        throw sendError(
          this.describe,
          `an earlier datagram was refused: ${describeNetError(refused)}`,
          refused,
        );
      }
      const datagram = formatSyslogMessage(line, this.message);
      await new Promise<void>((resolve, reject) => {
        socket.send(datagram, (err) => {
          if (err === null) {
            resolve();
            return;
          }
          this.drop(socket);
          reject(sendError(this.describe, describeNetError(err), err));
        });
      });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const socket = this.socket ?? (await this.opening?.catch(() => null)) ?? null;
    if (socket !== null) this.drop(socket);
  }

  private connected(): Promise<Socket> {
    if (this.closed) return Promise.reject(sendError(this.describe, 'the transport is closed'));
    if (this.socket !== null) return Promise.resolve(this.socket);
    this.opening ??= this.open().finally(() => {
      this.opening = null;
    });
    return this.opening;
  }

  private async open(): Promise<Socket> {
    const { host, port } = this.options;
    const family = isIP(host) || (await this.resolve(host));
    const socket = createSocket(family === 6 ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error) => {
        socket.close();
        reject(sendError(this.describe, describeNetError(err), err));
      };
      socket.once('error', fail);
      socket.connect(port, host, () => {
        socket.off('error', fail);
        resolve();
      });
    });
    // the kernel's ICMP errors for a connected socket arrive here (Node reads the socket)
    socket.on('error', (err) => {
      if (this.socket === socket) this.refused = err;
    });
    this.socket = socket;
    return socket;
  }

  private async resolve(host: string): Promise<number> {
    try {
      return (await lookup(host)).family;
    } catch (err) {
      throw sendError(this.describe, describeNetError(err), err);
    }
  }

  /** Closes `socket` and, if it is the current one, forgets it so the next send makes a new one. */
  private drop(socket: Socket): void {
    if (this.socket === socket) this.socket = null;
    try {
      socket.close();
    } catch {
      // already closed
    }
  }
}
