import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyring } from '../../../gossip/memberlist/keyring.js';
import { ConfigError } from '../../../lib/agent/config.js';
import { keyringPersister, loadTagsFile, writeTagsFile } from '../../../lib/agent/persist.js';
import { loadKeyring } from '../../../lib/commands/agent.js';

describe('agent tags and keyring files', () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'agent-persist-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('tags file: absent = nothing to restore; written as Go MarshalIndent (sorted, 0600); read back', () => {
    const f = join(dir, 'tags.json');
    assert.equal(loadTagsFile(f), undefined);
    writeTagsFile(f, new Map([['z', '1'], ['a', 'x y']]));
    assert.equal(readFileSync(f, 'utf8'), '{\n  "a": "x y",\n  "z": "1"\n}');
    assert.equal(statSync(f).mode & 0o777, 0o600);
    assert.deepEqual([...loadTagsFile(f)!], [['a', 'x y'], ['z', '1']]);
    writeFileSync(f, 'null');
    assert.equal(loadTagsFile(f)!.size, 0);
    writeFileSync(f, '{"a":1}');
    assert.throws(() => loadTagsFile(f), ConfigError);
    writeFileSync(f, '{');
    assert.throws(() => loadTagsFile(f), /Failed to decode tags file/);
  });

  it('keyring file: key changes are saved primary first and load back as the same ring', () => {
    const f = join(dir, 'keyring.json');
    const k1 = new Uint8Array(16).fill(1);
    const k2 = new Uint8Array(32).fill(2);
    const ring = new Keyring(k1);
    const persist = keyringPersister(f, () => ring);
    ring.addKey(k2);
    ring.useKey(k2);
    assert.equal(persist(), undefined);
    const b64 = (k: Uint8Array) => Buffer.from(k).toString('base64');
    assert.deepEqual(JSON.parse(readFileSync(f, 'utf8')), [b64(k2), b64(k1)]);
    assert.match(readFileSync(f, 'utf8'), /^\[\n {2}"/);
    const back = loadKeyring(undefined, f)!;
    assert.deepEqual(back.getKeys().map(b64), [b64(k2), b64(k1)]);
    ring.removeKey(k1);
    persist();
    assert.deepEqual(JSON.parse(readFileSync(f, 'utf8')), [b64(k2)]);
    assert.match(keyringPersister(join(dir, 'no', 'such', 'dir'), () => ring)()!, /Failed to write keyring file/);
  });
});
