import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKeyring, parseHostPort, parseTags, resolveJoinAddr, run } from '../../../lib/commands/agent.js';

describe('distkv agent flags', () => {
  it('parses addresses like serf: host, host:port, [v6]:port', () => {
    assert.deepEqual(parseHostPort('10.0.0.1', 7946), { host: '10.0.0.1', port: 7946 });
    assert.deepEqual(parseHostPort('10.0.0.1:8000', 7946), { host: '10.0.0.1', port: 8000 });
    assert.deepEqual(parseHostPort(':8000', 7946), { host: '0.0.0.0', port: 8000 });
    assert.deepEqual(parseHostPort('[::1]:9000', 7946), { host: '::1', port: 9000 });
    assert.deepEqual(parseHostPort('::1', 7946), { host: '::1', port: 7946 });
  });

  it('parses tags and refuses malformed ones', () => {
    assert.deepEqual([...parseTags(['role=kv', 'x=a=b'])], [['role', 'kv'], ['x', 'a=b']]);
    assert.throws(() => parseTags(['novalue']));
  });

  it('builds the keyring from -encrypt and a Serf keyring file (-encrypt becomes primary)', () => {
    const k1 = Buffer.alloc(16, 1).toString('base64');
    const k2 = Buffer.alloc(32, 2).toString('base64');
    const dir = mkdtempSync(join(tmpdir(), 'agent-keys-'));
    const file = join(dir, 'keyring');
    writeFileSync(file, JSON.stringify([k2]));
    assert.equal(loadKeyring(undefined, undefined), undefined);
    const kr = loadKeyring(k1, file)!;
    assert.equal(Buffer.from(kr.primaryKey()!).toString('base64'), k1);
    assert.equal(kr.getKeys().length, 2);
    assert.equal(Buffer.from(loadKeyring(undefined, file)!.primaryKey()!).toString('base64'), k2);
    assert.throws(() => loadKeyring('not-a-key', undefined));
  });

  it('resolves host names in join addresses, keeping name prefixes and ports', async () => {
    assert.equal(await resolveJoinAddr('127.0.0.1:7000', 7946), '127.0.0.1:7000');
    assert.equal(await resolveJoinAddr('localhost:7000', 7946), '127.0.0.1:7000');
    assert.equal(await resolveJoinAddr('n1/localhost', 7946), 'n1/127.0.0.1:7946');
  });

  it('rejects unknown flags and profiles with exit code 2', async () => {
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = () => true;
    try {
      assert.equal(await run(['-bogus']), 2);
      assert.equal(await run(['-profile=fast', '-bind=127.0.0.1:0']), 2);
      const dir = mkdtempSync(join(tmpdir(), 'agent-run-'));
      writeFileSync(join(dir, 'bad.json'), '{"nope":1}');
      assert.equal(await run([`-config-file=${join(dir, 'bad.json')}`]), 2);
      // Refused after the sockets are open: they are closed again (mocha would hang otherwise).
      const args = ['-bind=127.0.0.1:0', '-rpc-addr=127.0.0.1:0', '-log-level=err'];
      assert.equal(await run([...args, '-tag=a=b', `-tags-file=${join(dir, 'tags.json')}`]), 2);
      assert.equal(await run([...args, `-keyring-file=${join(dir, 'none.json')}`]), 2);
    } finally {
      process.stderr.write = write;
    }
  });
});
