// Where a user event's time goes, per implementation, in ONE mixed loopback cluster (8 real
// `serf agent`s + 8 `distkv agent`s, Local profile, the serf-mixed handler on every member),
// read from a tcpdump capture of the cluster's gossip ports and the handlers' timestamps:
//   first receipt  - from `serf event` until the member first got the event over UDP;
//   forward        - from its first receipt until it first sent the event on (gossip/piggyback);
//   handler        - from its first receipt until its -event-handler script ran;
//   sends          - how often it sent the event (memberlist's retransmit limit).
// Go and our members see the same events under the same load, so ours/Go is the figure.
// Needs /usr/bin/serf and tcpdump run as root (skips otherwise).
// Env: SERF_PATH_EACH (default 8), SERF_PATH_EVENTS (default 10), SERF_PATH_TREE=<dir>: our
// agents from another checkout (see serf-mixed's SERF_MIXED_BEFORE), SERF_PATH_VERBOSE=1: every
// member's timeline per event.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unpackPacket } from '../gossip/memberlist/packet.js';
import { decodeMessageOf } from '../gossip/serf/codec.js';
import { MessageType } from '../gossip/serf/messages.js';
import { serfAvailable, stopAllPeers } from '../test/interop/peers.js';
import { udpDatagrams } from './pcap.js';
import { build, measure } from './serf-mixed.bench.js';

const EACH = Number(process.env.SERF_PATH_EACH ?? 8);
const EVENTS = Number(process.env.SERF_PATH_EVENTS ?? 10);
const TREE = process.env.SERF_PATH_TREE;
const TCPDUMP = '/usr/bin/tcpdump';

interface EventSeen {
  at: number;
  from: string;
  to: string;
  name: string;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * q))]!;
}

/** Every user event carried by the captured packets, with sender and receiver (by gossip port). */
function eventsOnWire(pcap: Uint8Array, nodeByPort: Map<number, string>): EventSeen[] {
  const out: EventSeen[] = [];
  for (const d of udpDatagrams(pcap)) {
    const from = nodeByPort.get(d.srcPort);
    const to = nodeByPort.get(d.dstPort);
    if (!from || !to) continue;
    let messages;
    try {
      messages = unpackPacket(d.payload).messages;
    } catch {
      continue; // not ours to judge here (a truncated capture, a stray datagram)
    }
    for (const m of messages) {
      if (m.type !== 'user' || m.payload[0] !== MessageType.UserEvent) continue;
      out.push({ at: d.at, from, to, name: decodeMessageOf(m.payload, MessageType.UserEvent).name });
    }
  }
  return out;
}

export async function main(): Promise<void> {
  if (!serfAvailable() || !existsSync(TCPDUMP) || process.getuid?.() !== 0) {
    console.warn('SKIPPED serf-event-path: needs /usr/bin/serf and tcpdump as root');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'serf-path-bench-'));
  try {
    const c = await build('path', EACH, EACH, dir, TREE);
    const nodeByPort = new Map(c.members.map((m) => [Number(m.bind.split(':')[1]), m.node.split('-')[1]!]));
    const pcapFile = join(dir, 'gossip.pcap');
    const filter = 'udp and (' + [...nodeByPort.keys()].map((p) => `port ${p}`).join(' or ') + ')';
    const dump = spawn(TCPDUMP, ['-i', 'lo', '-U', '-w', pcapFile, '--time-stamp-precision=nano', filter], { stdio: 'ignore' });
    const sent: { name: string; via: string; t0: number }[] = [];
    try {
      await new Promise((res) => setTimeout(res, 3_000)); // capture running; joins settled
      for (let e = 0; e < EVENTS; e++) {
        const s = await measure(c, e);
        sent.push({ name: s.name, via: s.via.node.split('-')[1]!, t0: s.t0 });
        await new Promise((res) => setTimeout(res, 700)); // the last retransmits of this event
      }
    } finally {
      dump.kill('SIGINT');
      await new Promise((res) => dump.once('exit', res));
      await stopAllPeers();
    }
    const wire = eventsOnWire(readFileSync(pcapFile), nodeByPort);
    const handlerAt = new Map<string, number>(); // "node event" -> epoch ms
    for (const l of readFileSync(c.log, 'utf8').split('\n').filter(Boolean)) {
      const [node, name, ns] = l.split(' ');
      handlerAt.set(`${node!.split('-')[1]} ${name}`, Number(BigInt(ns!) / 1000n) / 1000);
    }
    const fig: Record<string, number[]> = {};
    const add = (impl: string, what: string, v: number) => (fig[`${impl} ${what}`] ??= []).push(v);
    for (const s of sent) {
      const seen = wire.filter((w) => w.name === s.name);
      for (const node of nodeByPort.values()) {
        const impl = node.startsWith('o') ? 'ours' : 'go';
        const got = seen.filter((w) => w.to === node).map((w) => w.at);
        const sends = seen.filter((w) => w.from === node).map((w) => w.at);
        const h = handlerAt.get(`${node} ${s.name}`);
        add(impl, 'sends', sends.length);
        const line = [`${node}:`];
        if (got.length > 0 && node !== s.via) {
          const rx = Math.min(...got);
          add(impl, 'first receipt', rx - s.t0);
          if (sends.length > 0) add(impl, 'forward', Math.min(...sends) - rx);
          if (h !== undefined) add(impl, 'handler', h - rx);
          line.push(`rx ${(rx - s.t0).toFixed(0)}`);
        }
        if (process.env.SERF_PATH_VERBOSE) {
          line.push(`handler ${h === undefined ? '-' : (h - s.t0).toFixed(0)}`, `sends ${sends.map((t) => (t - s.t0).toFixed(0)).join(',')}`);
          console.log(`  ${s.name} via ${s.via} ${line.join(' ')}`);
        }
      }
    }
    console.log(`user event path in a mixed ${EACH}+${EACH} loopback cluster${TREE ? ` (our agents from ${TREE})` : ''}, ${EVENTS} events, ms after (median / p90):`);
    for (const what of ['first receipt', 'forward', 'handler', 'sends']) {
      const go = fig[`go ${what}`] ?? [];
      const ours = fig[`ours ${what}`] ?? [];
      if (!go.length || !ours.length) continue;
      const f = (xs: number[]) => `${quantile(xs, 0.5).toFixed(0)} / ${quantile(xs, 0.9).toFixed(0)}`;
      console.log(`  ${what.padEnd(14)} go ${f(go).padEnd(12)} ours ${f(ours).padEnd(12)} ours/go ${(quantile(ours, 0.5) / Math.max(1, quantile(go, 0.5))).toFixed(2)}x (n ${go.length} / ${ours.length})`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
