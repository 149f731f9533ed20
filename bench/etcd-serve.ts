// A lone etcd front-end process for bench/etcd.bench.ts: a DistKV Store (ready, no peers) behind
// lib/etcd on 127.0.0.1:<argv[2]>. Prints "ready <port>" when listening.
import { startEtcdFrontend } from '../lib/etcd/index.js';
import { RealClock } from '../lib/runtime/clock.js';
import { Store } from '../store/store.js';

const f = await startEtcdFrontend({ store: new Store('bench', { tick: 0 }), clock: new RealClock(), port: Number(process.argv[2] ?? 0) });
console.log(`ready ${f.port}`);
process.on('SIGTERM', () => void f.close().then(() => process.exit(0)));
