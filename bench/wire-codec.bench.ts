// Speed of the memberlist wire codec (gossip/msgpack-go.ts, gossip/memberlist/{codec,lzw,packet}.ts)
// on the messages a busy cluster exchanges most, as a ratio to msgpackr (a fast general msgpack
// library) encoding/decoding the same structures in the same run. msgpackr cannot produce
// go-msgpack's byte layout; it is only the yardstick.
import { Packr } from 'msgpackr';
import { decodeMessage, encodeMessage } from '../gossip/memberlist/codec.js';
import { makeCompound } from '../gossip/memberlist/compound.js';
import { lzwCompress, lzwDecompress } from '../gossip/memberlist/lzw.js';
import type { AliveMsg, PingMsg } from '../gossip/memberlist/messages.js';
import { unpackPacket } from '../gossip/memberlist/packet.js';

function opsPerSec(f: () => void, ms = 400): number {
  for (let i = 0; i < 2000; i++) f();
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < 500; i++) f();
    n += 500;
    t = performance.now();
  }
  return (n / (t - t0)) * 1000;
}

export async function main(): Promise<void> {
  const ping: PingMsg = { type: 'ping', seqNo: 300, node: 'node-17', sourceAddr: Uint8Array.of(10, 0, 0, 17), sourcePort: 7946, sourceNode: 'node-3' };
  const alive: AliveMsg = { type: 'alive', incarnation: 3, node: 'node-17', addr: Uint8Array.of(10, 0, 0, 17), port: 7946, meta: new Uint8Array(40), vsn: [1, 5, 2, 2, 5, 5] };
  const packr = new Packr({ useRecords: false });
  const goPing = { Node: ping.node, SeqNo: ping.seqNo, SourceAddr: Buffer.from(ping.sourceAddr!), SourceNode: ping.sourceNode, SourcePort: ping.sourcePort };
  const goAlive = { Addr: Buffer.from(alive.addr), Incarnation: 3, Meta: Buffer.from(alive.meta!), Node: alive.node, Port: 7946, Vsn: Buffer.from(alive.vsn) };
  const pingBytes = encodeMessage(ping);
  const aliveBytes = encodeMessage(alive);
  const refPing = packr.pack(goPing);
  const refAlive = packr.pack(goAlive);
  const compound = makeCompound(Array.from({ length: 15 }, () => aliveBytes));
  const lz = lzwCompress(compound);

  const rows: [string, number, number][] = [
    ['encode ping', opsPerSec(() => encodeMessage(ping)), opsPerSec(() => packr.pack(goPing))],
    ['decode ping', opsPerSec(() => decodeMessage(pingBytes)), opsPerSec(() => packr.unpack(refPing))],
    ['encode alive', opsPerSec(() => encodeMessage(alive)), opsPerSec(() => packr.pack(goAlive))],
    ['decode alive', opsPerSec(() => decodeMessage(aliveBytes)), opsPerSec(() => packr.unpack(refAlive))],
  ];
  for (const [name, ours, ref] of rows) {
    console.log(`${name.padEnd(14)} ${Math.round(ours).toString().padStart(9)} ops/s  msgpackr ${Math.round(ref).toString().padStart(9)} ops/s  ratio ${(ours / ref).toFixed(2)}`);
  }
  const unpack = opsPerSec(() => unpackPacket(compound));
  const one = opsPerSec(() => decodeMessage(aliveBytes));
  console.log(`unpack compound of 15 alive: ${Math.round(unpack)} packets/s (${((unpack * 15) / one).toFixed(2)} x the single-message decode rate per message)`);
  const comp = opsPerSec(() => lzwCompress(compound));
  const decomp = opsPerSec(() => lzwDecompress(lz));
  console.log(`lzw ${compound.length} B packet: compress ${Math.round(comp)}/s (${((comp * compound.length) / 1e6).toFixed(1)} MB/s), decompress ${Math.round(decomp)}/s; ratio ${(comp / decomp).toFixed(2)}`);
}
