// A logger whose destination can be replaced while everything holds on to it: SIGHUP changes
// the level and format of a running server (lib/commands/server.ts).
import type { LogLevel, Logger } from '../../gossip/runtime.js';

export class SwitchLogger implements Logger {
  constructor(public target: Logger) {}

  log(level: LogLevel, subsystem: string, message: string, fields?: Record<string, unknown>): void {
    this.target.log(level, subsystem, message, fields);
  }
}
