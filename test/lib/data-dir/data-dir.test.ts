// -data-dir in process: restore after a clean close, after a "crash" (the files as they were on
// disk at an ack, copied before any close), rotation and pruning, a torn last record, the lock,
// and group commit (many concurrent acks share fsyncs).
import { strict as assert } from 'node:assert';
import { appendFile, cp, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDir } from '../../../lib/data-dir/data-dir.js';
import { dataFileName } from '../../../lib/data-dir/layout.js';
import { RealClock } from '../../../lib/runtime/clock.js';
import { MemoryLogger } from '../../../lib/runtime/logger.js';
import { Store } from '../../../store/store.js';
import { Path } from '../../../store/path.js';

const clock = new RealClock();
const P = (s: string) => Path.parse(s);

describe('lib/data-dir: DataDir', () => {
  let tmp: string;
  const open: DataDir[] = [];
  const openDir = async (dir: string, store: Store, extra: Partial<Parameters<typeof DataDir.open>[0]> = {}) => {
    const d = await DataDir.open({ dir, store, clock, logger: new MemoryLogger('warn'), ...extra });
    open.push(d);
    return d;
  };
  const fresh = async (dir: string, extra: Partial<Parameters<typeof DataDir.open>[0]> = {}) => {
    const store = new Store('n1');
    const d = await openDir(dir, store, extra);
    await d.restore();
    store.markReady();
    await d.begin();
    return { store, d };
  };
  const valueOf = (s: Store, p: string) => s.get(P(p))?.value;

  beforeEach(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'dkv-datadir-'));
  });
  afterEach(async () => {
    for (const d of open.splice(0)) await d.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it('a closed data dir restores every value, deletion and the tick counter', async () => {
    const dir = join(tmp, 'd');
    const { store, d } = await fresh(dir);
    for (let i = 0; i < 50; i++) store.setValue(P(`k.${i}`), i);
    store.deleteValue(P('k.7'));
    await d.barrier();
    const tick = store.tick;
    await d.close();
    const s2 = new Store('n1');
    const d2 = await openDir(dir, s2);
    await d2.restore();
    assert.equal(valueOf(s2, 'k.3'), 3);
    assert.equal(valueOf(s2, 'k.49'), 49);
    assert.ok(!(s2.enumerate(P('k')) as unknown[]).includes(7), 'k.7 stays deleted');
    assert.equal(s2.tick, tick);
  });

  it('a crash after acks: the files as the disk held them at the ack restore every acked write', async () => {
    const dir = join(tmp, 'd');
    const { store, d } = await fresh(dir);
    const acked: number[] = [];
    for (let i = 0; i < 200; i++) {
      store.setValue(P(`c.${i}`), `v${i}`);
      const b = d.barrier();
      assert.ok(b, 'a write leaves something to sync');
      if (i % 10 === 9) {
        await b;
        acked.push(i);
      }
    }
    await d.barrier();
    // the disk at this instant, without the close's trailer: what kill -9 leaves
    const crash = join(tmp, 'crash');
    await cp(dir, crash, { recursive: true, filter: (src) => !src.endsWith('LOCK') });
    const s2 = new Store('n1');
    const d2 = await openDir(crash, s2);
    const r = await d2.restore();
    assert.equal(r.logs, 1);
    for (let i = 0; i < 200; i++) assert.equal(valueOf(s2, `c.${i}`), `v${i}`, `c.${i}`);
    assert.equal(s2.tick, store.tick);
  });

  it('rotation: new generations past rotateBytes, old ones pruned, restore equals the store', async () => {
    const dir = join(tmp, 'd');
    const { store, d } = await fresh(dir, { rotateBytes: 4096, keep: 2 });
    for (let i = 0; i < 600; i++) {
      store.setValue(P(`r.${i % 50}`), `value-${i}`);
      await d.barrier();
    }
    await d.rotate();
    assert.ok(d.stats().rotations >= 3, `rotations ${d.stats().rotations}`);
    const gens = new Set((await readdir(dir)).filter((f) => f.endsWith('.dkv')).map((f) => f.split('.')[0]));
    assert.equal(gens.size, 2, `kept generations: ${[...gens].join(',')}`);
    await d.close();
    const s2 = new Store('n1');
    const d2 = await openDir(dir, s2);
    await d2.restore();
    for (let i = 550; i < 600; i++) assert.equal(valueOf(s2, `r.${i % 50}`), `value-${i}`);
  });

  it('a snapshot lost mid-rotation (crash before its rename): the older generation and both logs restore', async () => {
    const dir = join(tmp, 'd');
    const { store, d } = await fresh(dir);
    store.setValue(P('a'), 1);
    await d.rotate();
    store.setValue(P('b'), 2);
    await d.barrier();
    const crash = join(tmp, 'crash');
    await cp(dir, crash, { recursive: true, filter: (src) => !src.endsWith('LOCK') && !src.endsWith(dataFileName(2, 'snap')) });
    const s2 = new Store('n1');
    const d2 = await openDir(crash, s2);
    const r = await d2.restore();
    assert.equal(r.snapshotGen, 1);
    assert.equal(valueOf(s2, 'a'), 1);
    assert.equal(valueOf(s2, 'b'), 2);
  });

  it('a torn last record in the newest log: the records before it restore, with a warning', async () => {
    const dir = join(tmp, 'd');
    const { store, d } = await fresh(dir);
    store.setValue(P('x'), 'kept');
    await d.barrier();
    const crash = join(tmp, 'crash');
    await cp(dir, crash, { recursive: true, filter: (src) => !src.endsWith('LOCK') });
    const log = join(crash, dataFileName(1, 'log'));
    const before = (await stat(log)).size;
    await appendFile(log, Buffer.from([0x87, 0xa4, 0x6e, 0x6f])); // the start of a map cut short
    const s2 = new Store('n1');
    const d2 = await openDir(crash, s2);
    const r = await d2.restore();
    assert.equal(r.tornAt, before);
    assert.equal(valueOf(s2, 'x'), 'kept');
    void store;
  });

  it('one server per directory: a second open is refused while the first holds it', async () => {
    const dir = join(tmp, 'd');
    await fresh(dir);
    await assert.rejects(() => DataDir.open({ dir, store: new Store('n2'), clock, logger: new MemoryLogger() }), /in use by process/);
  });

  it('group commit: 500 concurrent acks share far fewer fsyncs', async () => {
    const dir = join(tmp, 'd');
    const { store, d } = await fresh(dir);
    const before = d.stats().syncs;
    const waits: Promise<void>[] = [];
    for (let i = 0; i < 500; i++) {
      store.setValue(P(`g.${i}`), i);
      waits.push(d.barrier()!);
      if (i % 50 === 0) await new Promise((r) => setImmediate(r));
    }
    await Promise.all(waits);
    const syncs = d.stats().syncs - before;
    assert.ok(syncs >= 1 && syncs < 100, `fsyncs for 500 acks: ${syncs}`);
    assert.equal(d.barrier(), undefined, 'nothing pending once all are durable');
  });

  it("fsync 'interval' (python's policy): replies never wait", async () => {
    const dir = join(tmp, 'd');
    const { store, d } = await fresh(dir, { fsync: 'interval' });
    store.setValue(P('i'), 1);
    assert.equal(d.barrier(), undefined);
  });
});

describe('lib/data-dir: restore from damaged files never crashes', () => {
  it('random bytes as snapshot or log: a clear Error naming the file, or a restore of what verifies', async () => {
    const fc = (await import('fast-check')).default;
    const { restoreDataDir } = await import('../../../lib/data-dir/restore.js');
    const { writeFile, mkdir } = await import('node:fs/promises');
    const tmp = await mkdtemp(join(tmpdir(), 'dkv-datadir-fuzz-'));
    let n = 0;
    try {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), fc.constantFrom('snap', 'log', 'both'), async (bytes, which) => {
          const dir = join(tmp, String(n++));
          await mkdir(dir);
          if (which !== 'log') await writeFile(join(dir, dataFileName(1, 'snap')), bytes);
          if (which !== 'snap') await writeFile(join(dir, dataFileName(1, 'log')), bytes);
          try {
            await restoreDataDir(dir, new Store('n1'), new MemoryLogger('error'));
          } catch (e) {
            assert.ok(e instanceof Error && /\.dkv/.test(e.message), String(e));
          }
        }),
        { numRuns: 150 },
      );
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });
});
