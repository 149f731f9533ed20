// Certificates for TLS tests, made with `openssl` in a temp dir (EC P-256: quick even on a
// loaded box): a CA, server certificates it signed (CN localhost, SAN 127.0.0.1), a client
// certificate it signed, and a self-signed stranger. Callers skip loudly when openssl is absent.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface CertFiles {
  cert: string;
  key: string;
}

export class TestCerts {
  readonly dir = mkdtempSync(join(tmpdir(), 'test-certs-'));
  /** The CA's certificate file. */
  readonly ca: string;
  private n = 0;

  constructor() {
    this.ca = this.make('ca', { selfSigned: true, ca: true }).cert;
  }

  private run(args: string[]): void {
    execFileSync('openssl', args, { stdio: 'ignore' });
  }

  private make(name: string, o: { selfSigned?: boolean; ca?: boolean; client?: boolean }): CertFiles {
    const key = join(this.dir, `${name}.key`);
    const cert = join(this.dir, `${name}.pem`);
    const subj = `/CN=${o.ca ? 'test CA' : o.client ? name : 'localhost'}`;
    const ext = o.ca ? 'basicConstraints=critical,CA:TRUE' : o.client ? 'extendedKeyUsage=clientAuth' : 'subjectAltName=IP:127.0.0.1,DNS:localhost';
    const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key];
    if (o.selfSigned) {
      this.run(['req', '-x509', ...newKey, '-out', cert, '-days', '2', '-subj', subj, '-addext', ext]);
    } else {
      const csr = join(this.dir, `${name}.csr`);
      const extFile = join(this.dir, `${name}.ext`);
      execFileSync('sh', ['-c', `printf '%s\\n' "$1" > "$2"`, 'sh', ext, extFile]);
      this.run(['req', '-new', ...newKey, '-out', csr, '-subj', subj]);
      this.run(['x509', '-req', '-in', csr, '-CA', this.ca, '-CAkey', join(this.dir, 'ca.key'), '-CAcreateserial', '-out', cert, '-days', '2', '-extfile', extFile]);
    }
    return { cert, key };
  }

  /** A server certificate signed by the CA (a fresh key each time). */
  server(): CertFiles {
    return this.make(`server${++this.n}`, {});
  }

  /** A client certificate signed by the CA. */
  client(): CertFiles {
    return this.make(`client${++this.n}`, { client: true });
  }

  /** A self-signed certificate nobody trusts. */
  stranger(): CertFiles {
    return this.make(`stranger${++this.n}`, { selfSigned: true, client: true });
  }

  read(f: CertFiles): { cert: Buffer; key: Buffer } {
    return { cert: readFileSync(f.cert), key: readFileSync(f.key) };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
