import type { SqlValue } from "../../core/sql/executor";

/** Where a carried text's UTF-8 sits in the batch's buffer: bytes [start, end). */
export interface CarriedText {
  utf8: [start: number, end: number];
}

export type WireValue = SqlValue | CarriedText;

/** Shorter texts travel as strings: copying them costs less than a decode. */
const CARRY_MIN_UNITS = 4_096;
/** A buffer the thread gives back is kept for the next batch up to this size. */
const KEEP_MAX_BYTES = 16 * 1024 * 1024;
/** Buffers are allocated in steps of this, so slightly larger batches still fit a kept one. */
const ALLOCATION_STEP = 1024 * 1024;

const encoder = new TextEncoder();

/** A text carried as bytes: long, and well-formed, since encoding replaces a lone surrogate. */
const carried = (value: SqlValue): value is string => typeof value === "string" && value.length >= CARRY_MIN_UNITS && value.isWellFormed();

/**
 * Carries a batch's long texts (a commit's outbox parts) to the SQL thread as UTF-8 in one
 * buffer that is transferred, not copied, and comes back with the thread's answer to be used
 * again. Posted as strings, the texts were copied into the structured-clone buffer, which grows
 * by doubling and, past glibc's mmap threshold, is mapped fresh and faulted in page by page on
 * every commit: 1 to 2 ms of a commit of 4,000 memories on this VM. A kept buffer's pages stay
 * faulted in, and encoding into it is a copy.
 */
export class TextCarrier {
  private spare: ArrayBuffer | undefined;

  /** Each statement's arguments, long texts replaced by their place in `buffer` (none: no buffer). */
  pack(argsList: readonly SqlValue[][]): { args: WireValue[][]; buffer?: ArrayBuffer } {
    // Found once: the well-formedness check reads the whole text.
    const places: Array<[statement: number, arg: number, text: string]> = [];
    let units = 0;
    argsList.forEach((args, i) =>
      args.forEach((value, j) => {
        if (!carried(value)) return;
        places.push([i, j, value]);
        units += value.length;
      }),
    );
    if (places.length === 0) return { args: argsList as WireValue[][] };
    // A UTF-16 unit is at most 3 bytes of UTF-8 (a surrogate pair, two units, is 4).
    const buffer = this.take(units * 3);
    const bytes = new Uint8Array(buffer);
    // Only the argument lists holding a carried text are copied.
    const args: WireValue[][] = [...argsList];
    let offset = 0;
    for (const [i, j, text] of places) {
      if (args[i] === argsList[i]) args[i] = [...argsList[i]!];
      const start = offset;
      offset += encoder.encodeInto(text, bytes.subarray(start)).written;
      args[i]![j] = { utf8: [start, offset] };
    }
    return { args, buffer };
  }

  /** A buffer the thread is done with. */
  giveBack(buffer: ArrayBuffer): void {
    if (buffer.byteLength <= KEEP_MAX_BYTES && buffer.byteLength > (this.spare?.byteLength ?? 0)) this.spare = buffer;
  }

  private take(minBytes: number): ArrayBuffer {
    const spare = this.spare;
    if (spare && spare.byteLength >= minBytes) {
      this.spare = undefined;
      return spare;
    }
    return new ArrayBuffer(Math.ceil(minBytes / ALLOCATION_STEP) * ALLOCATION_STEP);
  }
}
