// Files between Python DistKV 0.57.4 and us, both ways: a snapshot saved by the real server
// loads into our Store with the same contents and tick tables; a checked snapshot written by us
// loads into the real server (`server -l FILE`) and its client reads the values back.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PyFloat, decode, encode, type Value } from '../../store/codec.js';
import { NOT_GIVEN, walk } from '../../store/entry.js';
import { loadRecords, readFile, snapshotChunks } from '../../store/files.js';
import { Path } from '../../store/path.js';
import { Store } from '../../store/store.js';
import { hex, unhex } from '../store/codec-arbitraries.js';
import {
  distkvPyAvailable,
  distkvPyDir,
  freePort,
  runPyScript,
  serfAvailable,
  spawnPeer,
  startDistkvPy,
  startSerfAgent,
  stopAllPeers,
  waitForOutput,
  type SerfAgent,
} from './peers.js';

const CLIENT = `
import sys, anyio
from distkv.client import open_client
from distkv.default import CFG
from distkv.util import combine_dict, attrdict, P, Path, PathLongener, packer

async def main(port, action, arg):
    cfg = combine_dict(attrdict(connect=attrdict(host="127.0.0.1", port=int(port))), CFG, cls=attrdict)
    async with open_client(**cfg) as c:
        if action == "fill":
            await c.set(P("a.b"), value="hello")
            await c.set(P("a.n"), value=42)
            await c.set(P("a.n"), value=43)
            await c.set(Path("a", "f"), value=1.0)
            await c.set(Path("x", 1, True, b"\\x00\\xff"), value={"nested": (1, 2.5, None), 3: b"bin"})
            await c.set(P("big"), value=2**70)
            await c.set(P("gone"), value="x")
            await c.delete(P("gone"))
            await c._request("set_internal", path=P("hostmap.zz"), value=["127.0.0.1", 1])
            await c._request("save", path=arg, full=True)
        if action == "log":
            await c._request("log", path=arg, fetch=True)
            await c.set(P("l.b.c"), value=1)
            await c.set(P("m.n.o"), value=2)
            await c.delete(P("l.b.c"))
            await c.set(P("l.b.x"), value=3)
            await c.set(Path("m", "n", "o"), value=4)
            # (a 'log' request with no path, meant to stop it, crashes 0.57.4's run_saver; the log is
            # flushed after 1 s idle, and SIGTERM closes it.)
            await anyio.sleep(1.5)
        state = await c._request("get_state", nodes=True, known=True, deleted=True, present=True)
        tree = []
        pl = PathLongener(())
        async for r in await c._request("get_tree", path=Path(), nchain=-1, iter=True):
            pl(r)
            tree.append([r.path, r.get("value")])
        state = {k: state[k] for k in ("nodes", "known", "deleted", "present") if k in state}
        print(packer({"state": state, "tree": tree}).hex())

anyio.run(main, *sys.argv[1:], backend="trio")
`;

type Dump = { state: Record<string, Record<string, Value>>; tree: [Path | Value[], Value][] };

async function pyDump(port: number, action: 'fill' | 'read' | 'log', arg = ''): Promise<Dump> {
  const out = await runPyScript(CLIENT, [String(port), action, arg], 60_000);
  return decode(unhex(out.trim().split('\n').at(-1)!)) as unknown as Dump;
}

function ticks(w: Value | undefined): number[] {
  const items = (w ?? []) as (number | number[])[];
  return items.flatMap((x) => (typeof x === 'number' ? [x] : Array.from({ length: x[1]! - x[0]! }, (_, i) => x[0]! + i)));
}

describe('interop: DistKV files between Python DistKV and us', function () {
  this.timeout(120_000);
  let dir = '';
  let agent: SerfAgent;
  before(async function () {
    if (!distkvPyAvailable() || !serfAvailable()) {
      console.warn(`SKIPPED: needs the Python DistKV peer (${distkvPyDir()}) and serf; run scripts/setup-peers.sh`);
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'dkfiles-'));
    agent = await startSerfAgent({ node: 'files-a' });
  });
  after(async () => {
    await stopAllPeers();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a snapshot saved by the Python server loads into our Store with the same tree and tick tables', async () => {
    const py = await startDistkvPy({ name: 'test1', serfRpcPort: agent.rpcPort, init: 'initial' });
    const file = join(dir, 'py.dkv');
    const dump = await pyDump(py.clientPort, 'fill', file);
    await py.stop();

    const { records, summary } = readFile(new Uint8Array(readFileSync(file)));
    assert.equal(summary.plainSegments, 1);
    const ours = new Store('test1');
    loadRecords(ours, records);
    ours.markReady();

    // The same entries with the same values (byte-identical when packed) ...
    const theirs = new Map(dump.tree.map(([p, v]) => [(p instanceof Path ? p : Path.from(p as unknown[])).key(), hex(encode(v))]));
    const mine = new Map<string, string>();
    for (const [e] of walk(ours.root)) if (e.value !== NOT_GIVEN) mine.set(e.path.key(), hex(encode(e.value)));
    assert.deepEqual(mine, theirs);
    assert.ok(ours.get(Path.of(null, 'hostmap', 'zz'))?.value !== undefined, 'meta tree saved with full=True');
    const f = ours.get(Path.of('a', 'f'))!.value;
    assert.ok(f instanceof PyFloat && f.value === 1, 'a float stays a float');

    // ... and the same tick tables (a tombstone is not saved, so its tick loads as superseded).
    const st = ours.getState({ nodes: true, known: true, deleted: true, present: true }) as unknown as Record<string, Record<string, Value>>;
    assert.deepEqual({ ...st.nodes }, dump.state.nodes);
    assert.deepEqual(ticks(st.deleted!.test1), ticks(dump.state.deleted!.test1));
    const seen = (s: Record<string, Record<string, Value>>) => [...new Set([...ticks(s.present?.test1), ...ticks(s.known?.test1)])].sort((a, b) => a - b);
    assert.deepEqual(seen(st), seen(dump.state));
    assert.deepEqual(ticks(st.present!.test1), ticks(dump.state.present!.test1).filter((t) => !ticks(dump.state.deleted!.test1).includes(t)));
  });

  it('a change log written by the Python server (with a deletion) replays into our Store', async () => {
    const py = await startDistkvPy({ name: 'test2', serfRpcPort: agent.rpcPort, init: 'start' });
    const file = join(dir, 'py-log.dkv');
    const dump = await pyDump(py.clientPort, 'log', file);
    await py.stop();
    const { records } = readFile(new Uint8Array(readFileSync(file)));
    const updates = records.filter((r) => r.kind === 'update');
    assert.ok(updates.some((r) => !r.hasValue && r.path.equals(Path.of('l', 'b', 'c'))), 'the deletion record');
    assert.ok(updates.some((r) => r.hasValue && r.path.equals(Path.of('l', 'b', 'x'))));
    const ours = new Store('test2');
    loadRecords(ours, records);
    ours.markReady();
    const theirs = new Map(dump.tree.map(([p, v]) => [(p instanceof Path ? p : Path.from(p as unknown[])).key(), hex(encode(v))]));
    const mine = new Map<string, string>();
    for (const [e] of walk(ours.root)) if (e.value !== NOT_GIVEN) mine.set(e.path.key(), hex(encode(e.value)));
    assert.deepEqual(mine, theirs);
    const st = ours.getState({ nodes: true, deleted: true }) as unknown as Record<string, Record<string, Value>>;
    assert.deepEqual({ ...st.nodes }, dump.state.nodes);
    assert.deepEqual(ticks(st.deleted?.test2), ticks(dump.state.deleted?.test2));

    // Python's own loader gets this log wrong (docs/distkv-files.md): it keeps the deleted
    // l.b.c, and puts l.b.x at m.n.x (it does not lengthen the deletion record's path).
    const port = await freePort();
    const args = ['-C', 'server.backend=serf', '-C', 'server.serf.host=127.0.0.1', '-C', `server.serf.port=${agent.rpcPort}`, '-C', `server.bind_default.port=${port}`, 'server', '-l', file, 'test2'];
    const p = spawnPeer(join(distkvPyDir(), 'bin/distkv-py'), args, { stopSignal: 'SIGTERM' });
    await waitForOutput(p, /^Running\.$/m, 30_000, 'distkv-py server -l (log)');
    const reloaded = await pyDump(port, 'read');
    await p.stop();
    const keys = reloaded.tree.map(([pp]) => (pp instanceof Path ? pp : Path.from(pp as unknown[])).toString());
    assert.ok(keys.includes('l.b.c') && keys.includes('m.n.x') && !keys.includes('l.b.x'), keys.join(' '));
  });

  it('a checked snapshot written by us loads into the Python server (server -l) with every value', async () => {
    const s = new Store('ours1', { tick: 0 });
    s.setValue(Path.ROOT, 'root value');
    s.setValue(Path.of('a', 'b'), 'hello');
    s.setValue(Path.of('a', 'b'), 'hello again');
    s.setValue(Path.of('x', 1, true, new Uint8Array([0, 255])), new Map<Value, Value>([['nested', [1, 2.5, null]], [3, new Uint8Array([98])]]));
    s.setValue(Path.of('f'), new PyFloat(1));
    s.setValue(Path.of('big'), 2n ** 70n);
    const file = join(dir, 'ours.dkv');
    const bytes = Buffer.concat([...snapshotChunks(s)]);
    writeFileSync(file, bytes);
    assert.equal(readFile(new Uint8Array(bytes), { requireChecked: true }).summary.checkedSegments, 1);

    const port = await freePort();
    const args = ['-v', '-C', 'server.backend=serf', '-C', 'server.serf.host=127.0.0.1', '-C', `server.serf.port=${agent.rpcPort}`, '-C', `server.bind_default.port=${port}`, 'server', '-l', file, 'ours1'];
    const p = spawnPeer(join(distkvPyDir(), 'bin/distkv-py'), args, { stopSignal: 'SIGTERM' });
    await waitForOutput(p, /^Running\.$/m, 30_000, 'distkv-py server -l');
    assert.doesNotMatch(p.logs(), /Unknown message/, 'Python took every record, the checked ones included');
    const dump = await pyDump(port, 'read');
    await p.stop();

    const mine = new Map<string, string>();
    for (const [e] of walk(s.root)) if (e.value !== NOT_GIVEN) mine.set(e.path.key(), hex(encode(e.value)));
    const theirs = new Map(dump.tree.map(([pp, v]) => [(pp instanceof Path ? pp : Path.from(pp as unknown[])).key(), hex(encode(v))]));
    assert.deepEqual(theirs, mine);
    const ourState = s.getState({ nodes: true, known: true });
    assert.deepEqual(dump.state.nodes, { ...ourState.nodes });
    assert.deepEqual(ticks(dump.state.known?.ours1), ticks(ourState.known?.ours1 as Value));
  });
});
