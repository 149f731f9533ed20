// `distkv client [-h HOST] [-p PORT] [-a AUTH] [-m] [--json] GROUP ...`: DistKV's CLI shape
// (`distkv/command/client/*.py`): data, log, auth, acl, internal, plus msg. Exit 0 on success,
// 1 for a failure (server error, missing value, lost connection), 2 for a bad command line;
// errors are one readable line on stderr.
import { readFileSync } from 'node:fs';
import { UsageError } from '../args.js';
import { ClientClosedError, DistkvClient, ServerError } from '../client/client.js';
import { Printer } from '../client/output.js';
import { login } from '../auth/client-login.js';
import { parseAuth } from '../client/auth-arg.js';
import { CliError, pickSub, type CliContext, type Subcommand } from './client-context.js';
import { optHelp, parseOpts, type OptSpec } from './client-args.js';
import { DATA_USAGE, dataCommand } from './client-data.js';
import { ADMIN_USAGE, internalCommand, logCommand } from './client-admin.js';
import { ACL_USAGE, AUTH_USAGE, aclCommand, authCommand } from './client-auth.js';
import { MSG_USAGE, msgCommand } from './client-msg.js';

const GLOBAL: OptSpec[] = [
  { name: 'host', short: 'h', nargs: 1, help: 'server host (default 127.0.0.1)' },
  { name: 'port', short: 'p', nargs: 1, help: 'server port (default 27586)' },
  { name: 'auth', short: 'a', nargs: 1, help: "login: 'root', 'password name=NAME password=PW', or =FILE (YAML with type: ...)" },
  { name: 'tls', help: 'connect over TLS (a server with server.bind_default.ssl), system CAs trusted' },
  { name: 'tls-ca', nargs: 1, help: 'connect over TLS trusting this PEM CA/certificate file' },
  { name: 'tls-cert', nargs: 1, help: 'over TLS, show this PEM client certificate (a server with server.bind_default.ssl.ca)' },
  { name: 'tls-key', nargs: 1, help: "the --tls-cert's PEM key file" },
  { name: 'metadata', short: 'm', help: 'include/print metadata (chains, tocks)' },
  { name: 'json', help: 'print JSON (one document per line) instead of YAML' },
  { name: 'yaml', help: 'print YAML (the default)' },
  { name: 'help', help: 'this help' },
];

const GROUPS: Record<string, Subcommand> = {
  data: dataCommand,
  log: logCommand,
  internal: internalCommand,
  auth: authCommand,
  acl: aclCommand,
  msg: msgCommand,
};

function usage(): string {
  return `usage: distkv client [options] GROUP ...\n\noptions:\n${optHelp(GLOBAL)}\n\ngroups:\n${[DATA_USAGE, ADMIN_USAGE, AUTH_USAGE, ACL_USAGE, MSG_USAGE]
    .join('\n')
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')}\n`;
}

export async function run(argv: string[], io: { stdout?: (s: string) => void; stderr?: (s: string) => void } = {}): Promise<number> {
  const stdout = io.stdout ?? ((s: string) => void process.stdout.write(s));
  const stderr = io.stderr ?? ((s: string) => void process.stderr.write(s));
  // global options come before the group word, as in python's CLI
  const at = argv.findIndex((a) => Object.hasOwn(GROUPS, a));
  let client: DistkvClient | undefined;
  try {
    const g = parseOpts(at < 0 ? argv : argv.slice(0, at), GLOBAL);
    if (g.flag('help') || at < 0) {
      stdout(usage());
      return g.flag('help') ? 0 : 2;
    }
    if (g.args.length) throw new UsageError(`unexpected '${g.args[0]}' (no such group; one of: ${Object.keys(GROUPS).join(', ')})`);
    const group = pickSub('client', GROUPS, argv[at]);
    const rest = argv.slice(at + 1);
    const port = g.int('port') ?? 27586;
    const cred = g.str('auth') !== undefined ? parseAuth(g.str('auth')!) : undefined;
    const [cert, key] = [g.str('tls-cert'), g.str('tls-key')];
    if ((cert === undefined) !== (key === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
    try {
      const ca = g.str('tls-ca');
      const mine = cert !== undefined ? { cert: readFileSync(cert), key: readFileSync(key!) } : {};
      const tls = ca !== undefined ? { ca: readFileSync(ca), ...mine } : g.flag('tls') || cert !== undefined ? mine : undefined;
      client = await DistkvClient.connect({ host: g.str('host') ?? '127.0.0.1', port, ...(tls ? { tls } : {}) });
    } catch (e) {
      throw new CliError(`cannot connect to ${g.str('host') ?? '127.0.0.1'}:${port}: ${(e as Error).message}`);
    }
    await login(client, cred);
    const ctx: CliContext = {
      client,
      meta: g.flag('metadata') ? 3 : 0,
      out: new Printer(g.flag('json') ? 'json' : 'yaml', stdout),
      err: stderr,
    };
    return await group(ctx, rest);
  } catch (e) {
    if (e instanceof UsageError) {
      stderr(`distkv client: ${e.message}\n(distkv client --help for the commands)\n`);
      return 2;
    }
    const what = e instanceof ServerError ? 'server error: ' : e instanceof ClientClosedError ? 'connection lost: ' : '';
    stderr(`distkv client: ${what}${(e as Error).message}\n`);
    return e instanceof CliError ? e.code : 1;
  } finally {
    client?.close();
  }
}
