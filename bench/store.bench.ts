// The store model at 1M keys (64-byte values, chains of 3 links): heap bytes per key beyond the
// key and value strings, next to a bare Map<string,string> measured in the same run, and apply
// rates for remote updates and local set_value. Goal: <= 400 B/key.
import { benchStore } from '../lib/commands/bench.js';

export async function main(): Promise<void> {
  const keys = Number(process.env.STORE_BENCH_KEYS ?? 1_000_000);
  const r = benchStore({ keys, log: (s) => console.log(s) });
  console.log(
    `store vs Map: ${r.storeOverhead.toFixed(0)} vs ${r.mapOverhead.toFixed(0)} B/key overhead (${(r.storeOverhead / r.mapOverhead).toFixed(2)}x); ` +
      `totals with strings ${(r.storeOverhead + r.stringBytesPerKey).toFixed(0)} vs ${(r.mapOverhead + r.stringBytesPerKey).toFixed(0)} B/key; ` +
      `remote/local apply ${(r.remoteOpsPerS / r.localOpsPerS).toFixed(2)}x`,
  );
  console.log(`bytes-per-key ${Math.round(r.storeOverhead)} apply-ops-per-s ${Math.round(r.remoteOpsPerS)}`);
}
