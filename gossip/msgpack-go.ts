// MessagePack as hashicorp/go-msgpack 0.5.5 (the "ugorji" codec fork) writes it. memberlist and
// Serf's gossip use `MsgpackHandle{}` (WriteExt=false): the OLD spec, where strings and []byte are
// both "raw" (fixraw / raw16 / raw32 — there is no str8 and no bin). Serf's RPC (port 7373) uses
// `MsgpackHandle{RawToString: true, WriteExt: true}`: str8 for strings, bin8/16/32 for []byte.
//
// Go-side facts that shape the byte layout (verified in go-msgpack's msgpack.go / encode.go):
// - Any integer >= 0, signed or not, is written as the smallest of posfixint/uint8/16/32/64
//   (0xcc..0xcf); negatives as negfixint/int8/16/32/64. So int 200 is `cc c8`, never `d1 00 c8`.
// - float32 is always 0xca, float64 always 0xcb, even for integral values.
// - Structs become maps whose keys are the field names SORTED by byte order (not declaration
//   order); `omitempty` fields are left out entirely when zero. See `goStruct`.
// - []uint8 is a byte string (raw), not an array: memberlist's `Vsn []uint8` is `a6 ...`.
// - nil slices / maps / pointers are nil (0xc0); empty non-nil ones are zero-length containers.
// - time.Time goes through MarshalBinary: a 15-byte raw (see goTimeToBytes).
// The decoder is lenient (accepts str8 and bin too) and hands back every raw as bytes: whether
// they are text is for the schema to say, and Go strings may hold non-UTF-8.
// Split by concern under msgpack-go/; import everything from here.
export * from './msgpack-go/values.js';
export * from './msgpack-go/encode.js';
export * from './msgpack-go/decode.js';
export * from './msgpack-go/schema.js';
export * from './msgpack-go/time.js';
