import { strict as assert } from 'node:assert';
import { MemoryLogger } from '../../../lib/runtime/logger.js';
import { goLogLine, levelPasses, LogTap } from '../../../lib/serf-rpc/log-tap.js';

describe('serf-rpc log tap (serf monitor lines)', () => {
  it('formats lines as Go log does, with Serf level names', () => {
    const t = new Date(2026, 10, 28, 16, 5, 36).getTime();
    assert.equal(goLogLine(t, 'info', 'serf', 'EventMemberJoin: capa 127.0.0.1'), '2026/11/28 16:05:36 [INFO] serf: EventMemberJoin: capa 127.0.0.1');
    assert.equal(goLogLine(t, 'error', 'agent', 'x', { a: 1 }), '2026/11/28 16:05:36 [ERR] agent: x a=1');
  });

  it('level filter as logutils: lower levels dropped, unlabelled lines kept', () => {
    assert.equal(levelPasses('INFO', '... [DEBUG] x'), false);
    assert.equal(levelPasses('INFO', '... [WARN] x'), true);
    assert.equal(levelPasses('ERR', '... [WARN] x'), false);
    assert.equal(levelPasses('ERR', 'no level'), true);
  });

  it('forwards to the inner logger, replays its ring to a new handler, then streams', () => {
    const inner = new MemoryLogger();
    const tap = new LogTap(inner, 3);
    for (let i = 0; i < 5; i++) tap.log('info', 's', `m${i}`);
    assert.equal(inner.records.length, 5);
    const seen: string[] = [];
    const off = tap.register((l) => seen.push(l.slice(l.indexOf('s:'))));
    assert.deepEqual(seen, ['s: m2', 's: m3', 's: m4']);
    tap.log('warn', 's', 'm5');
    off();
    tap.log('warn', 's', 'm6');
    assert.deepEqual(seen, ['s: m2', 's: m3', 's: m4', 's: m5']);
  });
});
