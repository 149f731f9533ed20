// The messages memberlist 0.2.2 puts on the wire, as TypeScript values. Field comments name the Go
// field (= the msgpack map key). Encoding/decoding lives in codec.ts; the layers around a message
// (compound, crc, compress, encrypt) in compound.ts, crc.ts, lzw.ts, security.ts, packet.ts.

/** First byte of every memberlist message (Go's messageType, an iota in net.go). */
export const MessageType = {
  ping: 0,
  indirectPing: 1,
  ack: 2,
  suspect: 3,
  alive: 4,
  dead: 5,
  pushPull: 6,
  compound: 7,
  /** Delegate (Serf) payload: raw bytes after the type byte, no msgpack. */
  user: 8,
  compress: 9,
  encrypt: 10,
  nack: 11,
  hasCrc: 12,
  err: 13,
} as const;
export type MessageTypeName = keyof typeof MessageType;
export type MessageTypeNumber = (typeof MessageType)[MessageTypeName];

/** compress.Algo values. */
export const CompressionAlgo = { lzw: 0 } as const;

/** Node state numbers inside push-pull (memberlist's NodeStateType). */
export const WireNodeState = { alive: 0, suspect: 1, dead: 2, left: 3 } as const;

/** Direct probe. Source* are `omitempty`: absent on the wire when empty/0. */
export interface PingMsg {
  readonly type: 'ping';
  readonly seqNo: number; // SeqNo uint32
  /** Intended recipient; "" = anyone (old senders). */
  readonly node: string; // Node string
  readonly sourceAddr?: Uint8Array; // SourceAddr []byte, omitempty
  readonly sourcePort?: number; // SourcePort uint16, omitempty
  readonly sourceNode?: string; // SourceNode string, omitempty
}

export interface IndirectPingMsg {
  readonly type: 'indirectPing';
  readonly seqNo: number; // SeqNo uint32
  readonly target: Uint8Array; // Target []byte (IP)
  readonly port: number; // Port uint16
  readonly node: string; // Node string
  /** Asks the relay to nack when the target does not answer (protocol >= 4). */
  readonly nack: boolean; // Nack bool
  readonly sourceAddr?: Uint8Array; // omitempty
  readonly sourcePort?: number; // omitempty
  readonly sourceNode?: string; // omitempty
}

export interface AckMsg {
  readonly type: 'ack';
  readonly seqNo: number; // SeqNo uint32
  /** Ping delegate payload (Serf: its coordinate); null = Go nil (written as msgpack nil). */
  readonly payload: Uint8Array | null; // Payload []byte
}

export interface NackMsg {
  readonly type: 'nack';
  readonly seqNo: number; // SeqNo uint32
}

export interface ErrMsg {
  readonly type: 'err';
  readonly error: string; // Error string
}

export interface SuspectMsg {
  readonly type: 'suspect';
  readonly incarnation: number; // Incarnation uint32
  readonly node: string; // Node
  readonly from: string; // From
}

export interface AliveMsg {
  readonly type: 'alive';
  readonly incarnation: number; // Incarnation uint32
  readonly node: string; // Node
  readonly addr: Uint8Array; // Addr []byte (4 or 16 bytes)
  readonly port: number; // Port uint16
  /** Node metadata (Serf: its encoded tags); null = Go nil. */
  readonly meta: Uint8Array | null; // Meta []byte
  /** pmin, pmax, pcur, dmin, dmax, dcur. A []uint8, so a raw byte string on the wire. */
  readonly vsn: readonly number[]; // Vsn []uint8
}

export interface DeadMsg {
  readonly type: 'dead';
  readonly incarnation: number; // Incarnation uint32
  readonly node: string; // Node
  /** == node for a graceful leave. */
  readonly from: string; // From
}

/** Serf (delegate) payload carried by a user message: the bytes after the type byte. */
export interface UserMsg {
  readonly type: 'user';
  readonly payload: Uint8Array;
}

/** compress wrapper: Buf is the LZW stream of a whole inner message (type byte included). */
export interface CompressMsg {
  readonly type: 'compress';
  readonly algo: number; // Algo compressionType (0 = LZW)
  readonly buf: Uint8Array; // Buf []byte
}

/** compound: [7][count u8][count x len u16 BE][parts...]. */
export interface CompoundMsg {
  readonly type: 'compound';
  readonly parts: Uint8Array[];
  /** Parts whose declared length ran past the end (memberlist drops them with a warning). */
  readonly truncated: number;
}

/** CRC header: [12][crc32 IEEE of the rest, u32 BE][inner message]. */
export interface CrcMsg {
  readonly type: 'hasCrc';
  readonly crc: number;
  readonly inner: Uint8Array;
}

/** Everything that can appear as one message in a UDP packet (after decryption). */
export type PacketMessage =
  | PingMsg
  | IndirectPingMsg
  | AckMsg
  | NackMsg
  | ErrMsg
  | SuspectMsg
  | AliveMsg
  | DeadMsg
  | UserMsg
  | CompressMsg
  | CompoundMsg
  | CrcMsg;

/** The messages that are not wrappers (what a handler acts on). */
export type LeafMessage = Exclude<PacketMessage, CompressMsg | CompoundMsg | CrcMsg>;

// ---------------------------------------------------------------------------------------------
// Stream (TCP) messages

/** pushPullHeader: sent first, then `nodes` pushNodeState values, then userStateLen raw bytes. */
export interface PushPullHeader {
  readonly nodes: number; // Nodes int
  readonly userStateLen: number; // UserStateLen int
  readonly join: boolean; // Join bool
}

/** One member's state inside a push-pull. */
export interface PushNodeState {
  readonly name: string; // Name
  readonly addr: Uint8Array; // Addr []byte
  readonly port: number; // Port uint16
  readonly meta: Uint8Array | null; // Meta []byte
  readonly incarnation: number; // Incarnation uint32
  /** WireNodeState: 0 alive, 1 suspect, 2 dead, 3 left. */
  readonly state: number; // State NodeStateType (int)
  readonly vsn: readonly number[]; // Vsn []uint8
}

export interface PushPullMsg {
  readonly type: 'pushPull';
  readonly join: boolean;
  readonly nodes: readonly PushNodeState[];
  /** Delegate (Serf) state; null when the sender had none (UserStateLen 0). */
  readonly userState: Uint8Array | null;
}

/** A user message over a stream: [8][{UserMsgLen}][payload]. */
export interface UserStreamMsg {
  readonly type: 'user';
  readonly payload: Uint8Array;
}

/** What one memberlist stream carries (one message per direction). */
export type StreamMessage = PushPullMsg | PingMsg | AckMsg | ErrMsg | UserStreamMsg;
