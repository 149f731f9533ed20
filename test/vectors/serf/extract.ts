// One-off tool: pulls Serf messages out of gossip.pcap (captured by capture.sh) into
// messages.json, which the codec tests decode. Run: npx tsx test/vectors/serf/extract.ts
// It unwraps only memberlist's framing that carries Serf bytes verbatim: the CRC header (12),
// compound (7), user (8) in UDP, and the user-state tail of push-pull streams (found by its
// Serf prefix). Ack payloads (coordinates) are kept as whole ack messages (type 2).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

interface Frame {
  t: number;
  proto: 'udp' | 'tcp';
  src: string;
  dst: string;
  data: Buffer;
}

function readPcap(buf: Buffer): Frame[] {
  const magic = buf.readUInt32LE(0);
  if (magic !== 0xa1b2c3d4 && magic !== 0xa1b23c4d) throw new Error('not a LE pcap');
  const link = buf.readUInt32LE(20);
  const out: Frame[] = [];
  let off = 24;
  let t0 = -1;
  while (off + 16 <= buf.length) {
    const sec = buf.readUInt32LE(off);
    const usec = buf.readUInt32LE(off + 4);
    const incl = buf.readUInt32LE(off + 8);
    const pkt = buf.subarray(off + 16, off + 16 + incl);
    off += 16 + incl;
    const t = sec + usec / 1e6;
    if (t0 < 0) t0 = t;
    let ip = pkt;
    if (link === 1) ip = pkt.subarray(14);
    else if (link === 113) ip = pkt.subarray(16);
    if (ip[0]! >> 4 !== 4) continue;
    const ihl = (ip[0]! & 15) * 4;
    const total = ip.readUInt16BE(2);
    const proto = ip[9];
    const srcIp = `${ip[12]}.${ip[13]}.${ip[14]}.${ip[15]}`;
    const dstIp = `${ip[16]}.${ip[17]}.${ip[18]}.${ip[19]}`;
    const l4 = ip.subarray(ihl, total);
    const sp = l4.readUInt16BE(0);
    const dp = l4.readUInt16BE(2);
    let data: Buffer;
    if (proto === 17) data = l4.subarray(8);
    else if (proto === 6) data = l4.subarray((l4[12]! >> 4) * 4);
    else continue;
    if (data.length === 0) continue;
    out.push({ t: +(t - t0).toFixed(6), proto: proto === 17 ? 'udp' : 'tcp', src: `${srcIp}:${sp}`, dst: `${dstIp}:${dp}`, data });
  }
  return out;
}

/** Memberlist framing -> the list of inner messages (each starting with its type byte). */
function unwrap(msg: Buffer): Buffer[] {
  if (msg.length === 0) return [];
  switch (msg[0]) {
    case 12:
      return unwrap(msg.subarray(5));
    case 7: {
      const n = msg[1]!;
      const lens: number[] = [];
      for (let i = 0; i < n; i++) lens.push(msg.readUInt16BE(2 + 2 * i));
      let p = 2 + 2 * n;
      const parts: Buffer[] = [];
      for (const l of lens) {
        parts.push(...unwrap(msg.subarray(p, p + l)));
        p += l;
      }
      return parts;
    }
    default:
      return [msg];
  }
}

const SERF_TYPES = ['leave', 'join', 'pushPull', 'userEvent', 'query', 'queryResponse', 'conflictResponse', 'keyRequest', 'keyResponse', 'relay'];

interface Vector {
  id: string;
  t: number;
  src: string;
  dst: string;
  carrier: string;
  serfType?: string;
  hex: string;
}

const frames = readPcap(readFileSync(join(here, 'gossip.pcap')));
const vectors: Vector[] = [];
const seen = new Set<string>();
const tcpStreams = new Map<string, Buffer[]>();
for (const f of frames) {
  if (f.proto === 'tcp') {
    const k = `${f.src}>${f.dst}`;
    if (!tcpStreams.has(k)) tcpStreams.set(k, []);
    tcpStreams.get(k)!.push(f.data);
    continue;
  }
  for (const m of unwrap(f.data)) {
    let carrier = `memberlist-${m[0]}`;
    let payload = m;
    if (m[0] === 8) {
      carrier = 'user';
      payload = m.subarray(1);
    } else if (m[0] !== 2) continue; // keep user messages and acks only
    const hex = payload.toString('hex');
    if (seen.has(hex)) continue;
    seen.add(hex);
    const serfType = carrier === 'user' ? SERF_TYPES[payload[0]!] : undefined;
    vectors.push({ id: `${carrier === 'user' ? serfType : 'ack'}-${vectors.length}`, t: f.t, src: f.src, dst: f.dst, carrier, serfType, hex });
  }
}
// Push-pull streams: Serf's state is the tail: 0x02, a fixmap of 6, first key "EventLTime" (sorted).
const marker = Buffer.from([0x02, 0x86, 0xaa, ...Buffer.from('EventLTime')]);
for (const [k, parts] of tcpStreams) {
  const s = Buffer.concat(parts);
  let i = s.indexOf(marker);
  while (i >= 0) {
    const next = s.indexOf(marker, i + 1);
    // A stream holds one push-pull message per direction; the state runs to the end.
    const hex = s.subarray(i, next < 0 ? s.length : next).toString('hex');
    if (!seen.has(hex)) {
      seen.add(hex);
      const [src, dst] = k.split('>');
      vectors.push({ id: `pushPull-${vectors.length}`, t: 0, src: src!, dst: dst!, carrier: 'push-pull-user-state', serfType: 'pushPull', hex });
    }
    i = next;
  }
}
writeFileSync(join(here, 'messages.json'), JSON.stringify(vectors, null, 1) + '\n');
const counts: Record<string, number> = {};
for (const v of vectors) counts[v.serfType ?? v.carrier] = (counts[v.serfType ?? v.carrier] ?? 0) + 1;
console.log(vectors.length, counts);
