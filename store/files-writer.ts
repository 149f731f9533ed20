// Writes DistKV record files: exactly Python's format (`checked: false`, for export) or the same
// records sealed with `_c` checksums and closed by an end record (`checked: true`, our default;
// Python DistKV loads both: see docs/distkv-files.md). Pure: returns bytes for lib/ to write.
import { Encoder } from './codec-encode.js';
import type { Value, ValueObject } from './codec-value.js';
import { CHECK_KEY, END_KEY, seal } from './files-check.js';
import { Path } from './path.js';
import { PathShortener } from './path-shortener.js';

export interface WriterOptions {
  /** Seal records with checksums and end segments with a trailer. Default true. */
  checked?: boolean;
}

export class FileWriter {
  readonly checked: boolean;
  private readonly enc = new Encoder();
  private shorter = new PathShortener();
  private crc = 0;
  private count = 0;

  constructor(opts: WriterOptions = {}) {
    this.checked = opts.checked ?? true;
  }

  /** A state record (`get_state` with nodes/known/deleted), written top-level as Python does. */
  state(info: object): Uint8Array {
    return this.emit(info as ValueObject);
  }

  /**
   * An entry (`Entry.serialize`) or update (`UpdateEvent.serialize`) record carrying a full
   * `path`: the path is shortened in place and `depth` appended, as Python's PathShortener does.
   */
  update(msg: { path: Path } & object): Uint8Array {
    const { depth, path } = this.shorter.shorten(msg.path);
    return this.emit({ ...(msg as ValueObject), path, depth });
  }

  /** Ends the segment: the trailer (checked) or nothing (plain). A later record starts a new one. */
  end(): Uint8Array {
    if (!this.checked) return new Uint8Array(0);
    const out = this.emit({ info: {}, [END_KEY]: this.count });
    this.crc = 0;
    this.count = 0;
    this.shorter = new PathShortener();
    return out;
  }

  private emit(rec: ValueObject): Uint8Array {
    if (CHECK_KEY in rec) throw new Error(`records may not carry the reserved key ${CHECK_KEY}`);
    const bytes = this.enc.encode(rec as Value);
    if (!this.checked) return bytes;
    const s = seal(bytes, this.crc);
    this.crc = s.crc;
    this.count++;
    return s.bytes;
  }
}
