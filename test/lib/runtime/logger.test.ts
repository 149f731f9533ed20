import { strict as assert } from 'node:assert';
import { MemoryLogger, StreamLogger, parseLogLevel } from '../../../lib/runtime/logger.js';

describe('lib/runtime/logger', () => {
  it('text lines carry level, subsystem, message and fields; the level filters', () => {
    const lines: string[] = [];
    const l = new StreamLogger({ level: 'info', write: (s) => lines.push(s) });
    l.log('debug', 'memberlist', 'hidden');
    l.log('warn', 'memberlist', 'suspect node', { node: 'a', from: 'b c', bytes: new Uint8Array([1, 255]), n: 3n });
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^\d{4}-\d\d-\d\dT[\d:.]+Z \[WARN\] memberlist: suspect node node=a from="b c" bytes=01ff n=3\n$/);
  });

  it('JSON lines parse back and never throw on odd fields', () => {
    const lines: string[] = [];
    const l = new StreamLogger({ level: 'debug', format: 'json', write: (s) => lines.push(s) });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    l.log('error', 'tcp', 'boom', { err: new Error('x'), cyclic, m: new Map([[1, 'one']]) });
    const o = JSON.parse(lines[0]!);
    assert.equal(o.level, 'error');
    assert.equal(o.subsystem, 'tcp');
    assert.equal(o.msg, 'boom');
    assert.equal(o.err.message, 'x');
    assert.deepEqual(o.m, { 1: 'one' });
  });

  it('MemoryLogger records and finds', () => {
    const m = new MemoryLogger('info');
    m.log('debug', 's', 'no');
    m.log('info', 's', 'hello world');
    assert.equal(m.records.length, 1);
    assert.equal(m.find('world', 'info').length, 1);
    assert.match(m.dump(), /\[INFO\] s: hello world/);
  });

  it('parses Serf-style level names', () => {
    assert.equal(parseLogLevel('WARN'), 'warn');
    assert.equal(parseLogLevel('trace'), 'debug');
    assert.equal(parseLogLevel('err'), 'error');
    assert.throws(() => parseLogLevel('loud'));
  });
});
