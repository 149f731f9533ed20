import { strict as assert } from 'node:assert';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppendFile, readChunks, writeFileAtomic } from '../../../lib/runtime/files.js';

describe('lib/runtime/files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'distkv-files-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writeFileAtomic creates and replaces a file, leaving no temp file', async () => {
    const p = join(dir, 'snap.bin');
    await writeFileAtomic(p, 'first');
    await writeFileAtomic(p, new Uint8Array([1, 2, 3]));
    assert.deepEqual([...(await readFile(p))], [1, 2, 3]);
    assert.deepEqual(await readdir(dir), ['snap.bin']);
  });

  it('writeFileAtomic streams chunks from an async iterable', async () => {
    const p = join(dir, 'big.bin');
    async function* gen(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 100; i++) yield new Uint8Array(10_000).fill(i);
    }
    await writeFileAtomic(p, gen());
    const b = await readFile(p);
    assert.equal(b.length, 1_000_000);
    assert.equal(b[999_999], 99);
  });

  it('a failing source leaves the old file intact and no temp file behind', async () => {
    const p = join(dir, 'keep.txt');
    await writeFile(p, 'old');
    async function* bad(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array([1]);
      throw new Error('source broke');
    }
    await assert.rejects(writeFileAtomic(p, bad()), /source broke/);
    assert.equal(await readFile(p, 'utf8'), 'old');
    assert.deepEqual(await readdir(dir), ['keep.txt']);
  });

  it('readChunks yields the file in bounded chunks and closes on early break', async () => {
    const p = join(dir, 'data.bin');
    const data = Buffer.alloc(250_000);
    for (let i = 0; i < data.length; i++) data[i] = i % 251;
    await writeFile(p, data);
    const chunks: Uint8Array[] = [];
    for await (const c of readChunks(p, 100_000)) chunks.push(c);
    assert.deepEqual(
      chunks.map((c) => c.length),
      [100_000, 100_000, 50_000],
    );
    assert.ok(Buffer.concat(chunks).equals(data));
    for await (const c of readChunks(p, 10)) {
      assert.equal(c.length, 10);
      break;
    }
    const empty = join(dir, 'empty');
    await writeFile(empty, '');
    for await (const _ of readChunks(empty)) assert.fail('no chunks expected');
    await assert.rejects(async () => {
      for await (const _ of readChunks(join(dir, 'missing'))) break;
    }, /ENOENT/);
  });

  it('AppendFile appends in order across reopen and refuses writes after close', async () => {
    const p = join(dir, 'log');
    let f = await AppendFile.open(p);
    await Promise.all([f.write(Buffer.from('a')), f.write(Buffer.from('b')), f.sync()]);
    await f.close();
    f = await AppendFile.open(p);
    await f.write(Buffer.from('c'));
    await f.close();
    assert.equal(await readFile(p, 'utf8'), 'abc');
    await assert.rejects(f.write(Buffer.from('d')), /after close/);
  });
});
