// DistKV codec and file throughput: our byte-identical codec against msgpackr (the fast generic
// msgpack package, which cannot reproduce Python's bytes) on the same DistKV-shaped records, and
// the checked file writer/reader. Prints MB/s and ratios measured in this run.
import { Packr, Unpackr } from 'msgpackr';
import { decode, decodeAll, encode, type Value } from '../store/codec.js';
import { FileWriter, readFile } from '../store/files.js';
import { Path } from '../store/path.js';

function records(n: number): Value[] {
  const out: Value[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      value: { temp: 20 + (i % 13) / 4, name: `sensor-${i}`, data: new Uint8Array(16).fill(i & 0xff) },
      chain: { node: 'test1', tick: i + 1, prev: { node: 'test2', tick: i, prev: null } },
      tock: 1000 + i,
      path: Path.of('home', 'floor' + (i % 4), 'room' + (i % 50), i),
    });
  }
  return out;
}

function time(fn: () => void, minMs = 300): number {
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    fn();
    n++;
  }
  return (performance.now() - t0) / n;
}

export async function main(): Promise<void> {
  const recs = records(20_000);
  // msgpackr gets the same shapes with paths as plain arrays (it has no ext 3 encoder of ours).
  const plain = recs.map((r) => ({ ...(r as Record<string, Value>), path: (r as { path: Path }).path.elements as Value }));
  const packr = new Packr({ useRecords: false, mapsAsObjects: true, variableMapSize: true });
  const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

  let bytes = 0;
  const ours = time(() => (bytes = recs.reduce<number>((n, r) => n + encode(r).length, 0)));
  const theirs = time(() => plain.forEach((r) => packr.pack(r)));
  const mb = bytes / 1e6;
  console.log(`encode: ours ${(mb / (ours / 1e3)).toFixed(1)} MB/s, msgpackr ${(mb / (theirs / 1e3)).toFixed(1)} MB/s, ratio ${(theirs / ours).toFixed(2)}`);

  const encOurs = recs.map((r) => encode(r));
  const encTheirs = plain.map((r) => packr.pack(r));
  const dOurs = time(() => encOurs.forEach((b) => decode(b)));
  const dTheirs = time(() => encTheirs.forEach((b) => unpackr.unpack(b)));
  console.log(`decode: ours ${(mb / (dOurs / 1e3)).toFixed(1)} MB/s, msgpackr ${(mb / (dTheirs / 1e3)).toFixed(1)} MB/s, ratio ${(dTheirs / dOurs).toFixed(2)}`);

  const w = new FileWriter();
  const file = Buffer.concat([w.state({ nodes: { test1: 20000 }, node: 'test1', tock: 1 }), ...recs.map((r) => w.update(r as { path: Path })), w.end()]);
  const fmb = file.length / 1e6;
  const tw = time(() => {
    const ww = new FileWriter();
    for (const r of recs) ww.update(r as { path: Path });
    ww.end();
  });
  const tr = time(() => readFile(new Uint8Array(file)));
  const tPlain = time(() => decodeAll(new Uint8Array(file)));
  console.log(`checked file: write ${(fmb / (tw / 1e3)).toFixed(1)} MB/s, read+verify ${(fmb / (tr / 1e3)).toFixed(1)} MB/s (bare stream decode ${(fmb / (tPlain / 1e3)).toFixed(1)} MB/s, ratio ${(tr / tPlain).toFixed(2)})`);
}
