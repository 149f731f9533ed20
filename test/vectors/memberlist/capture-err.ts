// One-off tool: provokes memberlist's stream error reply (errResp, type 13) from real serf agents
// and stores what they send back in err.json. Run: npx tsx test/vectors/memberlist/capture-err.ts
//  - "plainToEncrypted": we send a plain push-pull to an agent started with -encrypt <key16>;
//    it answers "Encryption is configured but remote state is not encrypted" (encrypted+compressed).
//  - "encryptedToPlain": we send an encrypted push-pull to an agent without a key; it answers
//    "Remote state is encrypted and encryption is not configured" (compressed, not encrypted).
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Keyring, keyFromBase64 } from '../../../gossip/memberlist/keyring.js';
import { encodePushPull, encodeStreamFrame } from '../../../gossip/memberlist/stream.js';

const here = dirname(fileURLToPath(import.meta.url));
const key16 = readFileSync(join(here, 'key16.b64'), 'utf8').trim();

function exchange(port: number, bytes: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const s = connect(port, '127.0.0.1', () => s.write(bytes));
    s.on('data', (d) => chunks.push(d));
    s.on('end', () => resolve(Buffer.concat(chunks)));
    s.on('error', reject);
    s.setTimeout(5000, () => s.destroy(new Error('timeout')));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const base = 40000 + Math.floor(Math.random() * 10000);
  const enc = spawn('serf', ['agent', '-node', 'enc', '-bind', `127.0.0.1:${base}`, '-rpc-addr', `127.0.0.1:${base + 10}`, '-encrypt', key16], { stdio: 'ignore' });
  const plain = spawn('serf', ['agent', '-node', 'plain', '-bind', `127.0.0.1:${base + 1}`, '-rpc-addr', `127.0.0.1:${base + 11}`], { stdio: 'ignore' });
  try {
    await sleep(1500);
    const pp = encodePushPull(true, [{ name: 'ts', addr: Uint8Array.of(127, 0, 0, 1), port: base + 2, meta: Uint8Array.of(0xff, 0x80), incarnation: 1, state: 0, vsn: [1, 5, 2, 2, 5, 5] }], null);
    const nonce = { bytes: (n: number) => new Uint8Array(n).fill(0x42) };
    const r1 = await exchange(base, encodeStreamFrame(pp, { compress: true }));
    const r2 = await exchange(base + 1, encodeStreamFrame(pp, { compress: true, keyring: new Keyring(keyFromBase64(key16)), random: nonce }));
    const out = {
      plainToEncrypted: { key: 'key16.b64', hex: r1.toString('hex') },
      encryptedToPlain: { key: null, hex: r2.toString('hex') },
    };
    writeFileSync(join(here, 'err.json'), JSON.stringify(out, null, 1) + '\n');
    console.log(out);
  } finally {
    enc.kill();
    plain.kill();
  }
}

await main();
