// One-off tool: turns the pcaps written by capture.sh into <scenario>.json next to this file:
// every UDP payload between the agents, and every TCP connection's bytes per direction
// (reassembled by sequence number). Run: npx tsx test/vectors/memberlist/extract.ts CAPDIR
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

interface Seg {
  t: number;
  proto: 'udp' | 'tcp';
  sport: number;
  dport: number;
  seq: number;
  syn: boolean;
  data: Buffer;
}

function readPcap(buf: Buffer): Seg[] {
  const magic = buf.readUInt32LE(0);
  if (magic !== 0xa1b2c3d4) throw new Error('expected a little-endian microsecond pcap');
  const link = buf.readUInt32LE(20);
  const out: Seg[] = [];
  let t0 = -1;
  for (let off = 24; off + 16 <= buf.length; ) {
    const t = buf.readUInt32LE(off) + buf.readUInt32LE(off + 4) / 1e6;
    const incl = buf.readUInt32LE(off + 8);
    const pkt = buf.subarray(off + 16, off + 16 + incl);
    off += 16 + incl;
    if (t0 < 0) t0 = t;
    const ip = link === 1 ? pkt.subarray(14) : link === 113 ? pkt.subarray(16) : pkt;
    if (ip[0]! >> 4 !== 4) continue;
    const l4 = ip.subarray((ip[0]! & 15) * 4, ip.readUInt16BE(2));
    const proto = ip[9];
    const sport = l4.readUInt16BE(0);
    const dport = l4.readUInt16BE(2);
    const rel = Math.round((t - t0) * 1000) / 1000;
    if (proto === 17) out.push({ t: rel, proto: 'udp', sport, dport, seq: 0, syn: false, data: l4.subarray(8) });
    else if (proto === 6) {
      const syn = (l4[13]! & 0x02) !== 0;
      out.push({ t: rel, proto: 'tcp', sport, dport, seq: l4.readUInt32BE(4), syn, data: l4.subarray((l4[12]! >> 4) * 4) });
    }
  }
  return out;
}

const capDir = process.argv[2] ?? '/tmp/mlcap';
const portsLines = readFileSync(join(capDir, 'ports.txt'), 'utf8').trim().split('\n');
for (const line of portsLines) {
  const [scen, ...kv] = line.split(' ');
  const ports = Object.fromEntries(kv.map((x) => x.split('=')).map(([k, v]) => [Number(v), k!]));
  const name = (p: number): string => ports[p] ?? `eph:${p}`;
  const segs = readPcap(readFileSync(join(capDir, `${scen}.pcap`)));
  const udp = segs
    .filter((s) => s.proto === 'udp' && s.data.length > 0)
    .map((s, i) => ({ i, t: s.t, from: name(s.sport), to: name(s.dport), hex: s.data.toString('hex') }));
  // TCP: group by 4-tuple direction; payload ordered by seq, duplicates dropped.
  const flows = new Map<string, { t: number; from: string; to: string; isn: number; parts: Map<number, Buffer> }>();
  for (const s of segs.filter((x) => x.proto === 'tcp')) {
    const key = `${s.sport}>${s.dport}`;
    let f = flows.get(key);
    if (s.syn) {
      f = { t: s.t, from: name(s.sport), to: name(s.dport), isn: s.seq + 1, parts: new Map() };
      flows.set(key, f);
      continue;
    }
    if (f === undefined || s.data.length === 0) continue;
    f.parts.set(s.seq, s.data);
  }
  const tcp = [...flows.values()]
    .filter((f) => f.parts.size > 0)
    .sort((a, b) => a.t - b.t)
    .map((f, i) => {
      const seqs = [...f.parts.keys()].sort((a, b) => ((a - f.isn) >>> 0) - ((b - f.isn) >>> 0));
      return { i, t: f.t, from: f.from, to: f.to, hex: Buffer.concat(seqs.map((q) => f.parts.get(q)!)).toString('hex') };
    });
  const out = { scenario: scen, ports: Object.fromEntries(kv.map((x) => x.split('='))), udp, tcp };
  writeFileSync(join(here, `${scen}.json`), JSON.stringify(out, null, 1) + '\n');
  console.log(`${scen}: ${udp.length} udp, ${tcp.length} tcp flows`);
}
