// Errors the store reports to a client (python `distkv.exceptions`): the server layer turns them
// into `{seq, error: message}` replies, exactly as DistKV does.

/** A request the store refuses (python ClientError / ServerError text goes to the client). */
export class ClientError extends Error {
  override name = 'ClientError';
}

/** A failed `chain` precondition of set_value/delete_value (python ClientChainError). */
export class ClientChainError extends ClientError {
  override name = 'ClientChainError';
  /** python's `etype` (never actually sent by DistKV 0.57.4). */
  readonly etype = 'chain';
}

/** The store is not ready for local changes (python: node tick still None). */
export class NotReadyError extends Error {
  override name = 'NotReadyError';
}
