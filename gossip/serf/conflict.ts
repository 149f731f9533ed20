// Name-conflict resolution (serf.go resolveNodeConflict): when memberlist sees another address
// claim our name, ask the cluster whom it knows under that name; stay only with a majority.
import { ipToString } from '../memberlist/node.js';
import { decodeMessageOf } from './codec.js';
import { CONFLICT_QUERY } from './internal-query.js';
import { MessageType } from './messages.js';
import type { QueryResponse } from './query.js';

export interface ConflictVote {
  responses: number;
  matching: number;
  /** We keep our name. */
  won: boolean;
}

/** Counts the conflict query's answers that name our address. */
export async function tallyConflictVotes(resp: QueryResponse, local: { addr: Uint8Array; port: number }): Promise<ConflictVote> {
  let responses = 0;
  let matching = 0;
  for await (const r of resp.responses) {
    let m;
    try {
      m = decodeMessageOf(r.payload, MessageType.ConflictResponse);
    } catch {
      continue;
    }
    responses++;
    if (m && m.addr && ipToString(m.addr) === ipToString(local.addr) && m.port === local.port) matching++;
  }
  return { responses, matching, won: matching >= Math.floor(responses / 2) + 1 };
}

export { CONFLICT_QUERY };
