// Decodes ring-buffer records: the common header first, then the body its type names.
// Unknown types are returned as such, never dropped, so a newer kernel object cannot make
// user space lose records silently.
import { decodeStruct, type Decoded } from './struct-layout.js';
import { MSG_TYPE, MsgHeader, ProbeMsg, TestEcho, TestOpen } from './wire-layout.js';
import { InternalError } from '../errors.js';

export type TestOpenRecord = { kind: 'test_open' } & Decoded<typeof TestOpen.specs>;
export type TestEchoRecord = { kind: 'test_echo' } & Decoded<typeof TestEcho.specs>;
export type ProbeRecord = { kind: 'probe' } & Decoded<typeof ProbeMsg.specs>;
export interface UnknownRecord {
  kind: 'unknown';
  hdr: Decoded<typeof MsgHeader.specs>;
  raw: Buffer;
}
export type WireRecord = TestOpenRecord | TestEchoRecord | ProbeRecord | UnknownRecord;

export class RecordError extends InternalError {
  constructor(
    message: string,
    readonly raw: Buffer,
  ) {
    super(message);
    this.name = 'RecordError';
  }
}

export function decodeRecord(raw: Buffer): WireRecord {
  if (raw.length < MsgHeader.size)
    throw new RecordError(`record of ${raw.length} bytes is shorter than its header`, raw);
  const hdr = decodeStruct(MsgHeader, raw);
  if (hdr.size > raw.length)
    throw new RecordError(`record says ${hdr.size} bytes but has ${raw.length}`, raw);
  switch (hdr.type) {
    case MSG_TYPE.VIGIL_MSG_TEST_OPEN:
      return { kind: 'test_open', ...decodeStruct(TestOpen, raw) };
    case MSG_TYPE.VIGIL_MSG_TEST_ECHO:
      return { kind: 'test_echo', ...decodeStruct(TestEcho, raw) };
    case MSG_TYPE.VIGIL_MSG_PROBE:
      return { kind: 'probe', ...decodeStruct(ProbeMsg, raw) };
    default:
      return { kind: 'unknown', hdr, raw: Buffer.from(raw) };
  }
}
