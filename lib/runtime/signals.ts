// Process signals for long-running commands, with Serf agent's meanings: SIGINT = graceful
// leave, SIGTERM = stop without leaving, SIGHUP = reload. A second SIGINT/SIGTERM while the first
// is still being handled exits at once (an operator who presses ^C twice means it).
export interface SignalHandlers {
  /** SIGINT: leave the cluster, then stop. */
  interrupt(): Promise<void> | void;
  /** SIGTERM: stop (default: same as interrupt). */
  terminate?(): Promise<void> | void;
  /** SIGHUP: reload configuration (default: ignored, so a closed terminal does not kill the node). */
  hangup?(): Promise<void> | void;
  /** Called with the exit code once a shutdown handler finished (default: process.exit). */
  exit?(code: number): void;
}

/** Installs the handlers; returns a function that removes them. */
export function onShutdownSignals(h: SignalHandlers): () => void {
  const exit = h.exit ?? ((code: number) => process.exit(code));
  let shuttingDown = false;
  const shutdown = (fn: () => Promise<void> | void, sig: string) => (): void => {
    if (shuttingDown) {
      process.stderr.write(`received ${sig} again: exiting now\n`);
      exit(1);
      return;
    }
    shuttingDown = true;
    Promise.resolve()
      .then(fn)
      .then(
        () => exit(0),
        (e: unknown) => {
          process.stderr.write(`shutdown after ${sig} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
          exit(1);
        },
      );
  };
  const onInt = shutdown(() => h.interrupt(), 'SIGINT');
  const onTerm = shutdown(() => (h.terminate ?? h.interrupt)(), 'SIGTERM');
  const onHup = (): void => {
    Promise.resolve()
      .then(() => h.hangup?.())
      .catch((e: unknown) => process.stderr.write(`reload after SIGHUP failed: ${e instanceof Error ? e.message : String(e)}\n`));
  };
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  process.on('SIGHUP', onHup);
  return () => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    process.off('SIGHUP', onHup);
  };
}
