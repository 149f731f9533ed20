// Replication must not tell peers about a change of ours before our disk holds it: after a crash
// we would restart with a lower tick and number other changes with ticks the peers already have
// (they would take them for duplicates and the cluster would diverge). So with -data-dir (fsync
// 'ack') every broadcast waits, in order, until the changes applied before it are on disk. The
// barrier is taken one microtask after the send, when the store's change notification is over,
// so the order in which store listeners were registered does not matter.
import type { EventBus } from '../../store/replication/bus.js';
import type { SubLogger } from '../../gossip/runtime.js';

export function durableBus(bus: EventBus, barrier: () => Promise<void> | undefined, log: SubLogger): EventBus {
  let tail: Promise<void> | undefined;
  let pending = 0;
  const out: EventBus = {
    onEvent: (h) => bus.onEvent(h),
    send(name, payload) {
      pending++;
      tail = (tail ?? Promise.resolve())
        .then(() => barrier())
        .catch((e: unknown) => log.error('broadcast after a failed fsync', { event: name, error: String(e) }))
        .then(() => {
          try {
            if (!bus.send(name, payload)) log.warn('broadcast refused by the transport', { event: name, bytes: payload.length });
          } catch (e) {
            // e.g. the node shut down while this waited for the disk
            log.warn('broadcast failed', { event: name, error: String(e) });
          }
        })
        .finally(() => {
          if (--pending === 0) tail = undefined;
        });
      return true;
    },
  };
  if (bus.onMembersJoined) out.onMembersJoined = (h) => bus.onMembersJoined!(h);
  return out;
}
