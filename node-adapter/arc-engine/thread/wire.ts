import type { CallReply } from "../../threading/worker-calls";
import { MSGPACK_WRITE_PATH } from "../http/paths";

/**
 * The messages between ThreadedArcEngine (main thread) and the engine thread, and the
 * conversions of a fetch Request/Response to and from them. Bodies travel as whole ArrayBuffers
 * moved in the transfer list, so a large query or answer is handed over, not copied; only writes
 * are copied, since the main thread keeps each until its rows are flushed.
 */

/**
 * What the main thread asks; `id` pairs the reply with its caller. A write carries `write`, the
 * main thread's own number for the copy it keeps, which the thread names again once the write's
 * rows have left its buffer.
 */
export type ThreadRequest =
  | { id: number; kind: "fetch"; request: WireRequest; write?: number }
  | { id: number; kind: "flush" }
  | { id: number; kind: "close" };

/** What the thread sends back: replies to requests (id 0 answers the open), log records, flushed writes. */
export type ThreadMessage = ThreadReply | ThreadLogRecord | ThreadFlushedNotice;

export type ThreadReply = CallReply<WireResponse | null>;

export interface ThreadLogRecord {
  kind: "log";
  level: "warn" | "error";
  message: string;
  fields?: Record<string, unknown>;
}

/**
 * Sent after the reply to an accepted write, once its rows are stored; never when a flush failed,
 * since the thread then ends and the main thread sends the write to the next one.
 */
export interface ThreadFlushedNotice {
  kind: "flushed";
  write: number;
}

/** The reply id that reports whether the thread opened its engine. */
export const OPEN_REPLY_ID = 0;

export interface WireRequest {
  method: string;
  url: string;
  headers: [string, string][];
  /** null when the request has no body at all (GET, HEAD), as opposed to an empty one. */
  body: ArrayBuffer | null;
}

export interface WireResponse {
  status: number;
  statusText: string;
  headers: [string, string][];
  body: ArrayBuffer | null;
}

/** Headers and whole body of a Request or Response, as both wire forms carry them. */
async function headersAndBody(message: Request | Response): Promise<{ headers: [string, string][]; body: ArrayBuffer | null }> {
  return { headers: [...message.headers], body: message.body === null ? null : await message.arrayBuffer() };
}

export async function requestToWire(request: Request): Promise<WireRequest> {
  return { method: request.method, url: request.url, ...(await headersAndBody(request)) };
}

const encoder = new TextEncoder();
/** What fetch labels a string body it is given without a content type. */
const STRING_BODY_TYPE = "text/plain;charset=UTF-8";

/**
 * A fetch call's arguments as a wire request. A POST of bytes or of a string to a URL (every write
 * and every query the Arc client sends) skips building a Request, whose body would then be read
 * back through a stream: that cost the event loop more than the copy made here (the caller keeps
 * its buffer) and added a few hops to each query. Every other form goes through Request and its
 * rules; these two give the same wire request as it.
 */
export async function fetchArgsToWire(input: RequestInfo | URL, init?: RequestInit): Promise<WireRequest> {
  if (input instanceof Request && init === undefined) return requestToWire(input);
  if (input instanceof Request || init?.method !== "POST") return requestToWire(new Request(input, init));
  const body = init.body;
  const bytes = body instanceof Uint8Array ? new Uint8Array(body) : typeof body === "string" ? encoder.encode(body) : undefined;
  if (bytes === undefined) return requestToWire(new Request(input, init));
  const headers = new Headers(init.headers);
  if (typeof body === "string" && !headers.has("content-type")) headers.set("content-type", STRING_BODY_TYPE);
  // Both the copy and the encoding own their whole buffer, so it can be moved as it is.
  return { method: "POST", url: new URL(input).href, headers: [...headers], body: bytes.buffer };
}

/** Whether the engine would buffer this request's rows: a POST to Arc's write route. */
export function isBufferedWrite(wire: WireRequest): boolean {
  return wire.method === "POST" && new URL(wire.url).pathname === MSGPACK_WRITE_PATH;
}

export function requestFromWire(wire: WireRequest): Request {
  return new Request(wire.url, { method: wire.method, headers: wire.headers, body: wire.body });
}

export async function responseToWire(response: Response): Promise<WireResponse> {
  return { status: response.status, statusText: response.statusText, ...(await headersAndBody(response)) };
}

export function responseFromWire(wire: WireResponse): Response {
  return new Response(wire.body, { status: wire.status, statusText: wire.statusText, headers: wire.headers });
}

/** The buffers to move rather than copy when posting `wire`. */
export function transferables(wire: WireRequest | WireResponse | null): ArrayBuffer[] {
  return wire?.body ? [wire.body] : [];
}
