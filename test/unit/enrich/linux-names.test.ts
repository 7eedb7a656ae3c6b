import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeWaitStatus,
  errnoName,
  openFlagNames,
  protocolName,
  signalName,
  socketFamilyName,
  socketTypeName,
} from '../../../src/enrich/linux-names.js';

describe('linux names', () => {
  it('open flags, x86_64 and arm64', () => {
    assert.deepEqual(openFlagNames(0, 'x64'), ['O_RDONLY']);
    assert.deepEqual(openFlagNames(0o2000000 | 0o200000, 'x64'), ['O_RDONLY', 'O_DIRECTORY', 'O_CLOEXEC']);
    assert.deepEqual(openFlagNames(0o1 | 0o100 | 0o1000, 'x64'), ['O_WRONLY', 'O_CREAT', 'O_TRUNC']);
    assert.deepEqual(openFlagNames(0o2 | 0o4010000, 'x64'), ['O_RDWR', 'O_SYNC']);
    assert.deepEqual(openFlagNames(0o2 | 0o20200000, 'x64'), ['O_RDWR', 'O_TMPFILE']);
    assert.deepEqual(openFlagNames(0o40000, 'arm64'), ['O_RDONLY', 'O_DIRECTORY']);
    assert.deepEqual(openFlagNames(0o40000, 'x64'), ['O_RDONLY', 'O_DIRECT']);
    assert.deepEqual(openFlagNames(0x80000000, 'x64'), ['O_RDONLY', '0x80000000']);
  });

  it('errno and signals', () => {
    assert.equal(errnoName(-2), 'ENOENT');
    assert.equal(errnoName(13), 'EACCES');
    assert.equal(errnoName(11), 'EAGAIN');
    assert.equal(errnoName(4000), 'errno 4000');
    assert.equal(signalName(9), 'SIGKILL');
    assert.equal(signalName(6), 'SIGABRT');
    assert.equal(signalName(36), 'SIGRTMIN+2');
  });

  it('wait status', () => {
    assert.deepEqual(decodeWaitStatus(0), { exitCode: 0, signal: null, coreDumped: false });
    assert.deepEqual(decodeWaitStatus(1 << 8), { exitCode: 1, signal: null, coreDumped: false });
    assert.deepEqual(decodeWaitStatus(11 | 0x80), { exitCode: null, signal: 'SIGSEGV', coreDumped: true });
  });

  it('sockets', () => {
    assert.equal(socketFamilyName(17), 'AF_PACKET');
    assert.equal(socketFamilyName(99), 'AF_99');
    assert.equal(socketTypeName(3), 'SOCK_RAW');
    assert.equal(socketTypeName(1 | 0o4000 | 0o2000000), 'SOCK_STREAM');
    assert.equal(protocolName(2, 1, 0), 'tcp');
    assert.equal(protocolName(10, 2, 17), 'udp');
    assert.equal(protocolName(10, 3, 58), 'icmpv6');
    assert.equal(protocolName(17, 3, 768), '768');
  });
});
