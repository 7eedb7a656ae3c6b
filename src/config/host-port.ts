// `host:port` and `[v6]:port`, the way vigil.yaml names the metrics endpoint and a syslog server.
import { isIPv4, isIPv6 } from 'node:net';

/** What the schema lets through; parseHostPort then checks the address and the port's range. */
export const HOST_PORT_PATTERN = '^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):[0-9]{1,5}$';
export const HOST_PORT_WORDS = 'host:port or [IPv6]:port (127.0.0.1:9464, [::1]:9464, siem.example.com:6514)';

export interface HostPort {
  /** an IP address (IPv6 without brackets) or a host name */
  readonly host: string;
  readonly port: number;
}

const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** The address, or why it is none; port 0 (any free port) only where `portZero` allows it. */
export function parseHostPort(text: string, portZero: boolean): HostPort | string {
  const colon = text.lastIndexOf(':');
  const rawHost = text.slice(0, colon);
  const port = Number(text.slice(colon + 1));
  const bracketed = rawHost.startsWith('[') && rawHost.endsWith(']');
  const host = bracketed ? rawHost.slice(1, -1) : rawHost;
  if (bracketed ? !isIPv6(host) : !(isIPv4(host) || (HOST_NAME.test(host) && !/^[0-9.]+$/.test(host)))) {
    return `'${rawHost}' is not ${bracketed ? 'an IPv6 address' : 'an IPv4 address or a host name'}`;
  }
  if (colon < 0 || !Number.isInteger(port) || port > 65535 || (port === 0 && !portZero)) {
    return `port ${text.slice(colon + 1)} is out of range (${portZero ? 0 : 1}-65535)`;
  }
  return { host, port };
}

/** The address written back, brackets around IPv6. */
export function formatHostPort(address: HostPort): string {
  return `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
}
