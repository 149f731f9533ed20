// Real peers for interop tests: HashiCorp Serf agents (/usr/bin/serf) and Python DistKV 0.57.4
// servers, on free loopback ports, with every spawned process killed when the test process ends.
//
//   import { serfAvailable, startSerfAgent, serfMembers, waitFor, ... } from './peers.js';
//
//   // in a describe(): skip loudly when the binary is absent
//   before(function () { if (!serfAvailable()) { console.warn('SKIPPED: no serf binary'); this.skip(); } });
//   after(() => stopAllPeers());                 // optional: everything is also killed at exit
//
//   const a = await startSerfAgent({ node: 'a' });                      // waits for "agent running"
//   const b = await startSerfAgent({ node: 'b', join: [a.bind] });      // waits for "Join completed"
//   await waitFor(async () => (await serfMembers(a.rpcAddr)).filter((m) => m.status === 'alive').length === 2,
//                 10_000, 'both members alive');
//   await serfCli(a.rpcAddr, ['event', 'deploy', 'payload']);           // any `serf <cmd>`; returns stdout
//   await b.stop();                                                     // SIGINT: graceful leave
//   await b.terminate();                                                // SIGTERM: exit without leaving
//   await a.kill();                                                     // SIGKILL: a crash
//
//   // Python DistKV on top of a Serf agent (distkvPyAvailable() first):
//   const d = await startDistkvPy({ name: 'test1', serfRpcPort: a.rpcPort, init: 'hello' });  // waits for "Running."
//   await distkvPyClient(d.clientPort, ['data', 'x.y', 'set', '-v', ':', 'v']);
//   const out = await distkvPyClient(d.clientPort, ['data', 'x.y', 'get']);
//   const r = await runPyScript('import sys; print(sys.argv[1])', ['hi']);  // python with distkv importable
//   // A second server (no init) syncs from a peer found through the hostmap; fast pings make it
//   // ready in ~5 s instead of ~14 s (give every server the same hostmap and ping):
//   //   const hostmap = { test1: `127.0.0.1:${p1}`, test2: `127.0.0.1:${p2}` }, ping = { cycle: 3, gap: 1 };
//   //   startDistkvPy({ name: 'test2', serfRpcPort: b.rpcPort, clientPort: p2, hostmap, ping })
//
//   // etcd 3.4 with the v2 API (etcdAvailable() first), for comparison tests:
//   const e = await startEtcd();                                        // waits for GET /version
//   await etcdctl(e.clientUrl, ['set', '/a', '1'], { v2: true });       // ETCDCTL_API=2
//
// Ports: freePort() gives a port free for TCP (all addresses) and UDP (127.0.0.1), never the same
// one twice in this process. Addresses are "host:port" strings, as Serf's flags spell them.
// Logs: every handle's logs() returns its interleaved stdout+stderr (last 4 MiB); print them
// when a test fails. A process that exits while we wait for it to become ready rejects the start
// with the tail of its logs.
export * from './peers/process.js';
export * from './peers/serf.js';
export * from './peers/distkv-agent.js';
export * from './peers/distkv-py.js';
export * from './peers/etcd.js';
