// `distkv server NAME` as real processes (lib/node.ts): two of our servers on loopback, A started
// with -I, B joining A's gossip address without data: B syncs from A over the client protocol,
// says Running., and writes made with our client CLI on either one are read on the other.
// A's Serf RPC port shows both with their `dkv-client` tags. SIGTERM: B leaves (`left`), both exit 0. Fast pings: cycle 3, gap 1.
import { strict as assert } from 'node:assert';
import { freePort, serfAvailable, serfMembers, stopAllPeers, waitFor } from './peers.js';
import { ourClient, readValue, setValue, startOurServer, type OurServer } from './distkv-server-helpers.js';

describe('interop: two of our `distkv server` processes replicate', function () {
  this.timeout(90_000);
  let a: OurServer;
  let b: OurServer;
  let rpcAddr: string;

  before(async () => {
    rpcAddr = `127.0.0.1:${await freePort()}`;
    a = await startOurServer('srvA', ['-I', 'hello', '-rpc-addr', rpcAddr]);
    b = await startOurServer('srvB', ['-join', a.bind]);
  });

  after(async () => {
    await stopAllPeers();
  });

  it('B, started without data, synced from A before serving', async () => {
    assert.match(b.logs(), /sync: copied from=srvA/);
    assert.equal(await readValue(b.clientPort, ':'), 'hello');
  });

  it('a value set on A is read on B, and one set on B is read on A', async () => {
    await ourClient(a.clientPort, ['a.b', 'set', '-v', ':', 'x']);
    await waitFor(async () => (await readValue(b.clientPort, 'a.b')) === 'x', 20_000, 'B has a.b = x', 100);
    assert.equal(await ourClient(b.clientPort, ['a.b', 'get']), "'x'\n");
    await ourClient(b.clientPort, ['c.d', 'set', '-v', ':', 'y']);
    await waitFor(async () => (await readValue(a.clientPort, 'c.d')) === 'y', 20_000, 'A has c.d = y', 100);
    // an overwrite on B of A's value wins on A too
    await setValue(b.clientPort, 'a.b', 'z');
    await waitFor(async () => (await readValue(a.clientPort, 'a.b')) === 'z', 20_000, 'A has a.b = z', 100);
  });

  it("A's Serf RPC (-rpc-addr) lists both nodes with their client ports as the dkv-client tag", async function () {
    if (!serfAvailable()) {
      console.warn('SKIPPED the serf CLI check: /usr/bin/serf is absent');
      this.skip();
    }
    const ms = await serfMembers(rpcAddr);
    const tag = (n: string) => ms.find((m) => m.name === n)?.tags['dkv-client'];
    assert.equal(tag('srvA'), `127.0.0.1:${a.clientPort}`);
    assert.equal(tag('srvB'), `127.0.0.1:${b.clientPort}`);
  });

  it('SIGTERM: B leaves the cluster and both exit 0', async () => {
    await b.stop(10_000);
    assert.equal((await b.exited).code, 0, b.logs().slice(-2000));
    if (serfAvailable()) assert.equal((await serfMembers(rpcAddr)).find((m) => m.name === 'srvB')?.status, 'left');
    assert.equal(await readValue(a.clientPort, 'a.b'), 'z', 'A serves on alone');
    await a.stop(10_000);
    assert.equal((await a.exited).code, 0, a.logs().slice(-2000));
    assert.doesNotMatch(a.logs() + b.logs(), /Error|Traceback|unhandled/);
  });
});
