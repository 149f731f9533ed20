// `distkv client msg send TOPIC -d TEXT|-e EXPR|-r TEXT` and `msg monitor TOPIC [-r] [-n COUNT]`:
// DistKV's msg_send / msg_monitor (its 0.57.4 CLI has no such command; python code calls
// `client.msg_send` / `msg_monitor`). TOPIC is dotted (`a.b`), `:x` gets the server root.
import { UsageError } from '../args.js';
import { evalValue } from '../client/value-text.js';
import type { Value } from '../../store/codec.js';
import { pickSub, withoutSeq, type CliContext, type Subcommand } from './client-context.js';
import { parseOpts } from './client-args.js';

export const MSG_USAGE = `msg send TOPIC (-d TEXT | -e EXPR | -r TEXT) | msg monitor TOPIC [-r] [-n COUNT]`;

function topicOf(text: string | undefined): string[] {
  if (!text) throw new UsageError('a TOPIC is needed (e.g. a.b, or :x below the server root)');
  const parts = text.split('.');
  if (parts.some((p) => !p)) throw new UsageError(`bad topic '${text}'`);
  return parts;
}

const MSG: Record<string, Subcommand> = {
  async send(ctx, argv) {
    const o = parseOpts(argv, [
      { name: 'data', short: 'd', nargs: 1, help: 'the message, as text' },
      { name: 'eval', short: 'e', nargs: 1, help: 'the message, evaluated' },
      { name: 'raw', short: 'r', nargs: 1, help: 'the payload bytes, as UTF-8 text (not packed)' },
    ]);
    const topic = topicOf(o.args[0]);
    if (o.args.length > 1) throw new UsageError(`msg send: unexpected '${o.args[1]}'`);
    const given = ['data', 'eval', 'raw'].filter((k) => o.str(k) !== undefined);
    if (given.length !== 1) throw new UsageError('msg send needs exactly one of -d, -e, -r');
    const msg = o.str('raw') !== undefined ? { raw: new Uint8Array(Buffer.from(o.str('raw')!, 'utf8')) } : { data: (o.str('data') ?? evalValue(o.str('eval')!)) as Value };
    const r = await ctx.client.msgSend(topic, msg);
    if (ctx.meta) ctx.out.value(withoutSeq(r));
    return 0;
  },
  async monitor(ctx, argv) {
    const o = parseOpts(argv, [
      { name: 'raw', short: 'r', help: 'payloads as bytes, not unpacked' },
      { name: 'count', short: 'n', nargs: 1, help: 'stop after this many messages' },
    ]);
    const topic = topicOf(o.args[0]);
    const max = o.int('count');
    const s = ctx.client.msgMonitor(topic, { raw: o.flag('raw') });
    const stop = (): void => void s.stop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    let n = 0;
    try {
      if (max === 0) return 0;
      for await (const m of s) {
        ctx.out.streamItem(withoutSeq(m));
        if (max !== undefined && ++n >= max) break;
      }
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
    return 0;
  },
};

export const msgCommand: Subcommand = (ctx, argv) => pickSub('msg', MSG, argv[0])(ctx, argv.slice(1));
