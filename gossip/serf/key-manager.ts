// Cluster-wide key rotation (serf keymanager.go): runs an internal key query and tallies what
// every member answered. One operation at a time, as Go's lock enforces.
import { decodeMessageOf, encodeMessage } from './codec.js';
import { INSTALL_KEY_QUERY, LIST_KEYS_QUERY, REMOVE_KEY_QUERY, USE_KEY_QUERY } from './internal-query.js';
import { MessageType, type NodeName } from './messages.js';
import type { NodeResponse, QueryParams, QueryResponse } from './query.js';

export interface KeyResponse {
  /** Node -> error or warning text. */
  messages: Map<NodeName, string>;
  numNodes: number;
  numResp: number;
  numErr: number;
  /** base64 key -> how many members hold it. */
  keys: Map<string, number>;
  /** base64 primary key -> how many members use it. */
  primaryKeys: Map<string, number>;
}

export interface KeyResult {
  response: KeyResponse;
  /** Go's error, e.g. "2/3 nodes reported failure"; undefined on full success. */
  error?: string;
}

export interface KeyQuerier {
  query(name: string, payload: Uint8Array, params: QueryParams): QueryResponse;
  numMembers(): number;
}

function inc(m: Map<string, number>, k: string): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

/** Tallies responses until every member answered or the query closed. */
export async function collectKeyResponses(responses: AsyncIterable<NodeResponse>, numNodes: number): Promise<KeyResponse> {
  const r: KeyResponse = { messages: new Map(), numNodes, numResp: 0, numErr: 0, keys: new Map(), primaryKeys: new Map() };
  for await (const nr of responses) {
    r.numResp++;
    try {
      const kr = decodeMessageOf(nr.payload, MessageType.KeyResponse);
      if (!kr.result) {
        r.messages.set(nr.from, kr.message);
        r.numErr++;
      } else if (kr.message.length > 0) r.messages.set(nr.from, kr.message);
      for (const k of kr.keys ?? []) inc(r.keys, k);
      inc(r.primaryKeys, kr.primaryKey);
    } catch {
      r.messages.set(nr.from, `Failed to decode key query response: ${Buffer.from(nr.payload).toString('hex')}`);
      r.numErr++;
    }
    if (r.numResp === r.numNodes) break;
  }
  return r;
}

export class KeyManager {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly serf: KeyQuerier) {}

  installKey(base64: string, relayFactor = 0): Promise<KeyResult> {
    return this.run(INSTALL_KEY_QUERY, base64, relayFactor);
  }

  useKey(base64: string, relayFactor = 0): Promise<KeyResult> {
    return this.run(USE_KEY_QUERY, base64, relayFactor);
  }

  removeKey(base64: string, relayFactor = 0): Promise<KeyResult> {
    return this.run(REMOVE_KEY_QUERY, base64, relayFactor);
  }

  listKeys(relayFactor = 0): Promise<KeyResult> {
    return this.run(LIST_KEYS_QUERY, '', relayFactor);
  }

  private run(query: string, base64: string, relayFactor: number): Promise<KeyResult> {
    const next = this.chain.then(() => this.request(query, base64, relayFactor));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async request(query: string, base64: string, relayFactor: number): Promise<KeyResult> {
    const empty: KeyResponse = { messages: new Map(), numNodes: 0, numResp: 0, numErr: 0, keys: new Map(), primaryKeys: new Map() };
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64) || base64.length % 4 !== 0) return { response: empty, error: 'illegal base64 data' };
    const key = new Uint8Array(Buffer.from(base64, 'base64'));
    const req = encodeMessage({ type: MessageType.KeyRequest, msg: { key } });
    const qr = this.serf.query(query, req, { relayFactor });
    const response = await collectKeyResponses(qr.responses, this.serf.numMembers());
    if (response.numErr !== 0) return { response, error: `${response.numErr}/${response.numNodes} nodes reported failure` };
    if (response.numResp !== response.numNodes) return { response, error: `${response.numResp}/${response.numNodes} nodes reported success` };
    return { response };
  }
}
