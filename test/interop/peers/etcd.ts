// A single-member etcd 3.4 (v2 API enabled) and etcdctl for comparison tests; see test/interop/peers.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, isExecutable, runCommand, spawnPeer, tail, waitFor, type PeerProcess } from './process.js';

export const ETCD_BIN = process.env.ETCD_BIN ?? '/usr/bin/etcd';
export const ETCDCTL_BIN = process.env.ETCDCTL_BIN ?? '/usr/bin/etcdctl';

export function etcdAvailable(): boolean {
  return isExecutable(ETCD_BIN) && isExecutable(ETCDCTL_BIN);
}

export interface EtcdOptions {
  name?: string;
  clientPort?: number;
  peerPort?: number;
  /** Enable the v2 HTTP API (/v2/keys); default true. */
  v2?: boolean;
  extraArgs?: string[];
  readyTimeoutMs?: number;
}

export interface EtcdServer extends PeerProcess {
  readonly clientPort: number;
  /** "http://127.0.0.1:<clientPort>" */
  readonly clientUrl: string;
  readonly dataDir: string;
}

export async function startEtcd(opts: EtcdOptions = {}): Promise<EtcdServer> {
  const name = opts.name ?? 'etcd-test';
  const clientPort = opts.clientPort ?? (await freePort());
  const peerPort = opts.peerPort ?? (await freePort());
  const clientUrl = `http://127.0.0.1:${clientPort}`;
  const peerUrl = `http://127.0.0.1:${peerPort}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'distkv-etcd-'));
  const args = [
    `--name=${name}`,
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${clientUrl}`,
    `--advertise-client-urls=${clientUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=${name}=${peerUrl}`,
    `--enable-v2=${opts.v2 ?? true}`,
    ...(opts.extraArgs ?? []),
  ];
  const p = spawnPeer(ETCD_BIN, args, { stopSignal: 'SIGTERM' });
  void p.exited.then(() => rmSync(dataDir, { recursive: true, force: true }));
  let exited = false;
  void p.exited.then(() => (exited = true));
  try {
    await waitFor(
      async () => {
        if (exited) throw new Error('etcd exited');
        const r = await fetch(`${clientUrl}/version`);
        return r.ok;
      },
      opts.readyTimeoutMs ?? 20_000,
      `etcd on ${clientUrl}`,
      100,
    );
  } catch (e) {
    await p.kill();
    throw new Error(`${(e as Error).message}\n--- log tail:\n${tail(p.logs())}`);
  }
  return { ...p, clientPort, clientUrl, dataDir };
}

/** Runs etcdctl against `clientUrl` (v3 API unless `v2`); returns stdout, rejects on failure. */
export function etcdctl(clientUrl: string, args: string[], opts: { v2?: boolean; timeoutMs?: number } = {}): Promise<string> {
  const env = { ...process.env, ETCDCTL_API: opts.v2 ? '2' : '3' };
  return runCommand(ETCDCTL_BIN, [`--endpoints=${clientUrl}`, ...args], { env, timeoutMs: opts.timeoutMs ?? 15_000 }).then((r) => {
    if (r.code !== 0) throw new Error(`etcdctl ${args.join(' ')} exited with ${r.code ?? r.signal}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    return r.stdout;
  });
}
