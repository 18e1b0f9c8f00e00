import { MsgExt, MsgFloat, MsgpackDecodeError, type MsgMap, type MsgValue } from "./values";

const MAX_DEPTH = 64;
/** Below this many bytes a JS loop beats a native call for ASCII strings. */
const SHORT_STRING = 8;

/**
 * Decodes one msgpack value, keeping the integer/float distinction Arc's type inference depends on
 * (see `MsgValue`). Written for the engine rather than taken from `@msgpack/msgpack` because that
 * library folds `1.0` into `1`. Invalid UTF-8 in strings is replaced, as Arc repairs it.
 */
export function decodeMsgpack(bytes: Uint8Array): MsgValue {
  const reader = new Reader(bytes);
  const value = reader.value(0);
  if (reader.pos !== bytes.length) {
    throw new MsgpackDecodeError(`unexpected ${bytes.length - reader.pos} trailing bytes after the value`);
  }
  return value;
}

class Reader {
  pos = 0;
  private readonly view: DataView;
  /** Node's UTF-8 slicer replaces invalid sequences with U+FFFD, as Arc repairs strings. */
  private readonly text: Buffer;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  value(depth: number): MsgValue {
    if (depth > MAX_DEPTH) throw new MsgpackDecodeError(`nesting deeper than ${MAX_DEPTH}`);
    const b = this.u8();
    if (b <= 0x7f) return b;
    if (b >= 0xe0) return b - 0x100;
    if (b <= 0x8f) return this.map(b & 0x0f, depth);
    if (b <= 0x9f) return this.array(b & 0x0f, depth);
    if (b <= 0xbf) return this.str(b & 0x1f);
    switch (b) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xc4: return this.take(this.u8()).slice();
      case 0xc5: return this.take(this.u16()).slice();
      case 0xc6: return this.take(this.u32()).slice();
      case 0xc7: return this.ext(this.u8());
      case 0xc8: return this.ext(this.u16());
      case 0xc9: return this.ext(this.u32());
      case 0xca: return new MsgFloat(this.view.getFloat32(this.advance(4)), true);
      case 0xcb: return new MsgFloat(this.view.getFloat64(this.advance(8)));
      case 0xcc: return this.u8();
      case 0xcd: return this.u16();
      case 0xce: return this.u32();
      case 0xcf: return narrow(this.view.getBigUint64(this.advance(8)));
      case 0xd0: return this.view.getInt8(this.advance(1));
      case 0xd1: return this.view.getInt16(this.advance(2));
      case 0xd2: return this.view.getInt32(this.advance(4));
      case 0xd3: return narrow(this.view.getBigInt64(this.advance(8)));
      case 0xd4: return this.ext(1);
      case 0xd5: return this.ext(2);
      case 0xd6: return this.ext(4);
      case 0xd7: return this.ext(8);
      case 0xd8: return this.ext(16);
      case 0xd9: return this.str(this.u8());
      case 0xda: return this.str(this.u16());
      case 0xdb: return this.str(this.u32());
      case 0xdc: return this.array(this.u16(), depth);
      case 0xdd: return this.array(this.u32(), depth);
      case 0xde: return this.map(this.u16(), depth);
      case 0xdf: return this.map(this.u32(), depth);
      default: throw new MsgpackDecodeError(`invalid type byte 0x${b.toString(16)} at offset ${this.pos - 1}`);
    }
  }

  private array(length: number, depth: number): MsgValue[] {
    this.need(length); // every element takes at least one byte: refuse absurd lengths before allocating
    const out = new Array<MsgValue>(length);
    for (let i = 0; i < length; i++) out[i] = this.value(depth + 1);
    return out;
  }

  private map(length: number, depth: number): MsgMap {
    this.need(length * 2);
    const out: MsgMap = new Map();
    for (let i = 0; i < length; i++) {
      const key = this.value(depth + 1);
      if (typeof key !== "string" && typeof key !== "number" && typeof key !== "bigint") {
        throw new MsgpackDecodeError("map keys must be strings or integers");
      }
      out.set(String(key), this.value(depth + 1));
    }
    return out;
  }

  private str(length: number): string {
    const start = this.advance(length);
    const { bytes } = this;
    if (length <= SHORT_STRING) {
      let out = "";
      for (let i = start; i < start + length; i++) {
        const c = bytes[i] as number;
        if (c >= 0x80) return this.text.toString("utf8", start, start + length);
        out += String.fromCharCode(c);
      }
      return out;
    }
    return this.text.toString("utf8", start, start + length);
  }

  private ext(length: number): MsgExt {
    const type = this.view.getInt8(this.advance(1));
    return new MsgExt(type, this.take(length).slice());
  }

  private take(length: number): Uint8Array {
    const start = this.advance(length);
    return this.bytes.subarray(start, start + length);
  }

  private u8(): number {
    return this.view.getUint8(this.advance(1));
  }

  private u16(): number {
    return this.view.getUint16(this.advance(2));
  }

  private u32(): number {
    return this.view.getUint32(this.advance(4));
  }

  /** Moves past `length` bytes and returns where they start. */
  private advance(length: number): number {
    this.need(length);
    const start = this.pos;
    this.pos += length;
    return start;
  }

  private need(length: number): void {
    if (this.pos + length > this.bytes.length) {
      throw new MsgpackDecodeError(`unexpected end of data at offset ${this.pos}`);
    }
  }
}

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function narrow(value: bigint): number | bigint {
  return value >= MIN_SAFE && value <= MAX_SAFE ? Number(value) : value;
}
