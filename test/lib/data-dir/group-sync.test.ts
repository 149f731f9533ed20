// GroupSync: a barrier resolves only after an fsync that started after every write counted
// before the barrier; fsyncs never overlap; a failed fsync rejects the waiters and a later one
// recovers. Random interleavings of writes, barriers and fsync completions (fast-check).
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { GroupSync } from '../../../lib/data-dir/group-sync.js';

describe('lib/data-dir: GroupSync', () => {
  it('every barrier waits for a sync that began after its writes; syncs never overlap', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom('write', 'barrier', 'finish'), { maxLength: 60 }), async (ops) => {
        let written = 0;
        let inflight: { covers: number; done: () => void } | undefined;
        let syncs = 0;
        const gs = new GroupSync(
          () =>
            new Promise<void>((done) => {
              assert.equal(inflight, undefined, 'one fsync at a time');
              syncs++;
              inflight = { covers: written, done };
            }),
        );
        let durable = 0;
        const checks: Promise<void>[] = [];
        const finish = async () => {
          const f = inflight;
          if (!f) return;
          inflight = undefined;
          durable = Math.max(durable, f.covers);
          f.done();
          for (let i = 0; i < 5; i++) await Promise.resolve();
        };
        for (const op of ops) {
          if (op === 'write') {
            written++;
            gs.wrote();
          } else if (op === 'barrier') {
            const need = written;
            const b = gs.barrier();
            if (b) checks.push(b.then(() => assert.ok(durable >= need, `acked ${need} with ${durable} durable`)));
            else assert.ok(durable >= need);
          } else await finish();
        }
        while (inflight) await finish();
        await Promise.all(checks);
        assert.ok(syncs <= ops.filter((o) => o === 'barrier').length);
      }),
      { numRuns: 200 },
    );
  });

  it('a failed fsync rejects its waiters; the next barrier syncs again', async () => {
    let fail = true;
    const gs = new GroupSync(async () => {
      if (fail) throw new Error('EIO');
    });
    gs.wrote();
    await assert.rejects(gs.barrier()!, /EIO/);
    fail = false;
    assert.ok(gs.dirty);
    await gs.barrier();
    assert.equal(gs.dirty, false);
  });
});
