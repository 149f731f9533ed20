// `distkv <command> [args]`: each command lives in lib/commands/<command>.ts and exports
// `run(argv): Promise<number>` (the exit code). Commands load lazily so `distkv sim` never pays
// for the server's imports.
const COMMANDS: Record<string, string> = {
  sim: 'run the deterministic network simulator',
  agent: 'run a gossip agent (a drop-in for `serf agent`)',
  server: 'run a DistKV server',
  client: 'talk to a DistKV server',
  bench: 'micro-benchmarks (`distkv bench store --keys N`)',
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([c, d]) => `  ${c.padEnd(8)} ${d}`);
  return `usage: distkv <command> [options]\n\ncommands:\n${lines.join('\n')}\n`;
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '-h' || cmd === '--help' || cmd === 'help') {
    process.stdout.write(usage());
    return cmd ? 0 : 2;
  }
  if (!(cmd in COMMANDS)) {
    process.stderr.write(`distkv: unknown command '${cmd}'\n\n${usage()}`);
    return 2;
  }
  let mod: { run(argv: string[]): Promise<number> };
  try {
    mod = await import(`./commands/${cmd}.js`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String(e).includes(`commands/${cmd}`)) {
      process.stderr.write(`distkv: '${cmd}' is not built yet in this version\n`);
      return 2;
    }
    throw e;
  }
  return mod.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`distkv: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
