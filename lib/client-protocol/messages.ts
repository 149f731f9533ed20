// msg_send / msg_monitor (python `cmd_msg_send`, `SCmd_msg_monitor`): pass-through of Serf user
// events named by a topic, `.`-joined; a topic starting with ':' gets the server's root in
// front (python `cfg.root`, ":distkv"). Payloads are msgpack of `data`, or `raw` bytes as given.
import { ClientError } from '../../store/errors.js';
import { decode, encode, type Value, type ValueObject } from '../../store/codec.js';
import { Path } from '../../store/path.js';
import type { OutStream, ServerConnection } from './connection.js';
import type { MessageBus } from './context.js';
import { Request, RequestError } from './msg.js';
import { errRepr } from './connection.js';

function bus(conn: ServerConnection): MessageBus {
  const b = conn.ctx.replica?.messages;
  if (!b) throw new ClientError('this server has no message bus');
  return b;
}

/** The topic as a list of strings, root-prefixed when it starts with ':'. */
function topicOf(conn: ServerConnection, req: Request): string[] {
  const t = req.get('topic');
  let els: Value[];
  if (typeof t === 'string') els = [t];
  else if (t instanceof Path) els = [...t.elements] as Value[];
  else if (Array.isArray(t)) els = t as Value[];
  else throw new RequestError('topic must be a string or a list of strings');
  if (!els.length || !els.every((e) => typeof e === 'string' && e.length > 0)) throw new RequestError('topic must be non-empty strings');
  const out = els as string[];
  if (out[0]!.startsWith(':')) return [conn.ctx.replica?.messageRoot ?? ':distkv', ...out];
  return out;
}

export function msgSend(conn: ServerConnection, req: Request): unknown {
  const topic = topicOf(conn, req);
  let payload: Uint8Array;
  if (req.has('raw')) {
    if (req.has('data')) throw new RequestError('raw and data are mutually exclusive');
    const raw = req.get('raw');
    if (!(raw instanceof Uint8Array)) throw new RequestError('raw must be bytes');
    payload = raw;
  } else payload = encode((req.get('data') ?? null) as Value);
  if (!bus(conn).send(topic.join('.'), payload)) throw new ClientError(`the message to ${topic.join('.')} was refused (too big?)`);
  return undefined;
}

export async function msgMonitor(conn: ServerConnection, req: Request, out: OutStream): Promise<void> {
  const topic = topicOf(conn, req);
  const name = topic.join('.');
  const raw = req.flag('raw');
  const b = bus(conn);
  // events queue here between sends; a monitor that falls too far behind is cut off
  const queue: Uint8Array[] = [];
  let wake: (() => void) | undefined;
  let overflow = false;
  const off = b.onEvent((n, payload) => {
    if (n !== name) return;
    if (queue.length >= conn.ctx.watchBuffer) overflow = true;
    else queue.push(payload);
    wake?.();
  });
  let stopped = false;
  out.onCancel(() => {
    stopped = true;
    wake?.();
  });
  try {
    for (;;) {
      while (!queue.length && !stopped && !overflow) await new Promise<void>((r) => (wake = r));
      wake = undefined;
      if (stopped || out.isCancelled) return;
      if (overflow) throw new ClientError(`msg_monitor ${name}: more than ${conn.ctx.watchBuffer} messages behind`);
      const payload = queue.shift()!;
      const res: ValueObject = { topic };
      if (raw) res.raw = payload;
      else
        try {
          res.data = decode(payload);
        } catch (e) {
          res.raw = payload;
          res.error = errRepr(e);
        }
      await out.send(res);
    }
  } finally {
    off();
  }
}
