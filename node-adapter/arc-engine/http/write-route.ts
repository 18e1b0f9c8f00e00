import type { Hono } from "hono";
import { decodeMsgpack } from "../msgpack/decode";
import { MsgpackDecodeError } from "../msgpack/values";
import { DEFAULT_DATABASE, measurementError, writeDatabaseError } from "../names";
import { decompressBody } from "../write/decompress";
import { PayloadError, RecordTypeError } from "../write/errors";
import { decodeWritePayload } from "../write/payload";
import { typeItem } from "../write/typed-batch";
import { requirePermission } from "./auth";
import { humanBytes, readBody, TOO_LARGE } from "./body";
import type { ArcEnv, EngineServices } from "./context";
import { MSGPACK_WRITE_PATH } from "./paths";

const errorResponse = (status: number, error: string) =>
  new Response(JSON.stringify({ error }), { status, headers: { "content-type": "application/json" } });

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * `POST /api/v1/write/msgpack`: Arc's checks in Arc's order (empty body, size, decompression,
 * decode, database header, measurement names), then typing and buffering item by item. 204 means
 * buffered, not visible. A type error stops at its item with 500, after earlier items were
 * buffered, as in Arc.
 */
export function registerWriteRoute(app: Hono<ArcEnv>, services: EngineServices): void {
  const { options, buffer } = services;
  app.post(MSGPACK_WRITE_PATH, requirePermission("write"), async (c) => {
    const body = await readBody(c.req.raw, options.maxBodyBytes);
    if (body === TOO_LARGE) {
      return errorResponse(413, `Payload too large (max ${humanBytes(options.maxBodyBytes)}). Consider batching into smaller requests.`);
    }
    if (body.byteLength === 0) return errorResponse(400, "Empty payload");
    const raw = decompressBody(body, options.maxBodyBytes);
    if (!raw.ok) return errorResponse(400, raw.error);

    let items;
    try {
      items = decodeWritePayload(decodeMsgpack(raw.bytes), (index, reason) =>
        options.logger.warn("skipped an undecodable batch item", { index, reason }),
      );
    } catch (error) {
      if (error instanceof MsgpackDecodeError || error instanceof PayloadError) {
        return errorResponse(400, `Invalid MessagePack payload: ${error.message}`);
      }
      throw error;
    }

    const database = c.req.header("x-arc-database") || DEFAULT_DATABASE;
    const databaseError = writeDatabaseError(database);
    if (databaseError) return errorResponse(400, databaseError);
    for (const item of items) {
      const invalid = measurementError(item.measurement);
      if (invalid) return errorResponse(400, invalid);
    }

    const flushes: Promise<void>[] = [];
    let typeError: RecordTypeError | null = null;
    for (const item of items) {
      if (item.rowCount === 0) continue;
      try {
        flushes.push(buffer.add(database, typeItem(item)));
      } catch (error) {
        if (!(error instanceof RecordTypeError)) throw error;
        typeError = error;
        break;
      }
    }
    const settled = await Promise.allSettled(flushes);
    const failedFlush = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
    const failure = typeError ?? failedFlush?.reason;
    if (failure !== undefined) return errorResponse(500, `Failed to write records: ${message(failure)}`);
    return c.body(null, 204);
  });
}
