// Reads the UDP/IPv4 datagrams of a classic pcap file (what `tcpdump -w` writes), for benches
// that time gossip on loopback from a capture.

export interface UdpDatagram {
  /** Capture time, epoch milliseconds (fractional). */
  at: number;
  srcPort: number;
  dstPort: number;
  payload: Uint8Array;
}

const MAGIC_MICRO = 0xa1b2c3d4;
const MAGIC_NANO = 0xa1b23c4d;
/** Link-layer header sizes: Ethernet (lo on Linux), Linux cooked v1 / v2 (`-i any`). */
const LINK_HEADER: Record<number, number> = { 1: 14, 113: 16, 276: 20 };

export function udpDatagrams(file: Uint8Array): UdpDatagram[] {
  const buf = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  if (buf.length < 24) throw new Error('pcap: no global header');
  const magic = buf.readUInt32LE(0);
  if (magic !== MAGIC_MICRO && magic !== MAGIC_NANO) throw new Error(`pcap: unknown magic ${magic.toString(16)} (only little-endian classic pcap)`);
  const fracPerMs = magic === MAGIC_NANO ? 1e6 : 1e3;
  const l2 = LINK_HEADER[buf.readUInt32LE(20)];
  if (l2 === undefined) throw new Error(`pcap: unsupported link type ${buf.readUInt32LE(20)}`);
  const out: UdpDatagram[] = [];
  for (let off = 24; off + 16 <= buf.length; ) {
    const sec = buf.readUInt32LE(off);
    const frac = buf.readUInt32LE(off + 4);
    const len = buf.readUInt32LE(off + 8);
    const frame = buf.subarray(off + 16, off + 16 + len);
    off += 16 + len;
    const ip = frame.subarray(l2);
    if (ip.length < 20 || ip[0]! >> 4 !== 4 || ip[9] !== 17) continue; // IPv4 UDP only
    const udp = ip.subarray((ip[0]! & 0x0f) * 4);
    if (udp.length < 8) continue;
    out.push({ at: sec * 1000 + frac / fracPerMs, srcPort: udp.readUInt16BE(0), dstPort: udp.readUInt16BE(2), payload: udp.subarray(8) });
  }
  return out;
}
