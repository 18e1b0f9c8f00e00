import { isMsgMap, msgKindName, type MsgMap, type MsgValue } from "../msgpack/values";
import { decodeColumnar } from "./columnar";
import type { DecodedItem } from "./decoded-item";
import { PayloadError } from "./errors";
import { decodeRow, pivotRows, type RowRecord } from "./row-form";
import { nowMicros } from "./time-column";

/** Called for each batch item Arc would log and skip. */
export type SkippedItemListener = (index: number, reason: string) => void;

/**
 * Turns a decoded msgpack body into per-measurement items, accepting Arc's four shapes: a
 * columnar map, a row map, `{batch: [...]}` and a top-level array. A lone map that fails is a
 * `PayloadError`; inside a batch or array the failing item is skipped and reported to `onSkip`,
 * as Arc does. Row records are grouped by measurement, each group placed at its first record.
 */
export function decodeWritePayload(body: MsgValue, onSkip: SkippedItemListener): DecodedItem[] {
  const now = nowMicros();
  if (isMsgMap(body) && !body.has("batch")) return collect([body], now, null);
  const list = isMsgMap(body) ? body.get("batch") : body;
  if (!Array.isArray(list)) {
    const what = isMsgMap(body) ? "'batch'" : "payload";
    throw new PayloadError(`${what} must be a map or an array, got ${msgKindName(list ?? null)}`);
  }
  return collect(list, now, onSkip);
}

type Slot = { item: DecodedItem } | { rows: RowRecord[] };

function collect(list: readonly MsgValue[], now: bigint, onSkip: SkippedItemListener | null): DecodedItem[] {
  const slots: Slot[] = [];
  const rowGroups = new Map<string, RowRecord[]>();
  list.forEach((entry, index) => {
    try {
      if (!isMsgMap(entry)) throw new PayloadError(`item must be a map, got ${msgKindName(entry)}`);
      addItem(entry, now, slots, rowGroups);
    } catch (error) {
      if (!(error instanceof PayloadError) || onSkip === null) throw error;
      onSkip(index, error.message);
    }
  });
  return slots.map((slot) => ("item" in slot ? slot.item : pivotRows(slot.rows)));
}

function addItem(entry: MsgMap, now: bigint, slots: Slot[], rowGroups: Map<string, RowRecord[]>): void {
  if (entry.has("columns")) {
    slots.push({ item: decodeColumnar(entry) });
    return;
  }
  const row = decodeRow(entry, now);
  const group = rowGroups.get(row.measurement);
  if (group) {
    group.push(row);
    return;
  }
  const rows = [row];
  rowGroups.set(row.measurement, rows);
  slots.push({ rows });
}
