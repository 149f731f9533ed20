// The one error a decoder may throw. Callers count and log it; anything else escaping a decoder
// is a bug (the fuzz tests assert that).

export class DecodeError extends Error {
  constructor(
    message: string,
    /** Byte offset in the input where decoding failed, when known. */
    readonly offset?: number,
    /** What was being decoded ("memberlist packet", "client request", "snapshot"...). */
    readonly what?: string,
  ) {
    super(offset === undefined ? message : `${message} (at byte ${offset})`);
    this.name = 'DecodeError';
  }
}

/** Runs `fn`, converting any non-DecodeError exception into a DecodeError about `what`. */
export function decoding<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof DecodeError) throw e;
    throw new DecodeError(`bad ${what}: ${e instanceof Error ? e.message : String(e)}`, undefined, what);
  }
}
