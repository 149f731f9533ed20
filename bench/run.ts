// `npm run bench [-- name...]`: runs bench/<name>.bench.ts (all of them without names). Each bench
// prints its own figures, as ratios against a reference run in the same process where it can.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dir = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const all = readdirSync(dir).filter((f) => f.endsWith('.bench.ts')).sort();
const chosen = wanted.length ? all.filter((f) => wanted.includes(f.replace(/\.bench\.ts$/, ''))) : all;
if (wanted.length && chosen.length !== wanted.length) {
  console.error(`unknown bench; have: ${all.map((f) => f.replace(/\.bench\.ts$/, '')).join(', ')}`);
  process.exit(2);
}
for (const f of chosen) {
  console.log(`== ${f.replace(/\.bench\.ts$/, '')}`);
  const mod = await import(pathToFileURL(join(dir, f)).href);
  await mod.main();
}
