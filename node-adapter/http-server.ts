import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { getRequestListener, RequestError } from "@hono/node-server";
import type { Settings } from "../core/config/schema";
import { ERROR_STATUS } from "../core/errors";
import type { Logger } from "../core/logger";
import { REQUEST_ID_HEADER } from "../functions/middleware/request-id";
import { CORS_ANSWER_HEADERS } from "../functions/middleware/cors";

/** Background work on Node: tracked so shutdown can wait for it. */
export class BackgroundTasks {
  private readonly pending = new Set<Promise<unknown>>();
  constructor(private readonly logger: Logger) {}
  add = (task: Promise<unknown>) => {
    const tracked = task.catch((error) => this.logger.warn("background task failed", { error: String(error) }));
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  };
  drain = () => Promise.all([...this.pending]);
}

/**
 * Slow clients are cut off: headers must arrive within min(read_timeout, 60s) and the whole
 * request within read_timeout (Node answers 408 and closes). Node checks these deadlines on an
 * interval (30s by default), shortened here so a small read_timeout is enforced close to on time.
 */
export function listen(
  handler: (request: Request) => Response | Promise<Response>,
  server: Settings["server"],
  logger?: Logger,
): Promise<Server> {
  const requestTimeout = server.read_timeout;
  const headersTimeout = Math.min(requestTimeout, 60_000);
  // As @hono/node-server's serve() builds it, but with an errorHandler, which serve() does not pass on.
  const listener = getRequestListener(handler, { hostname: server.host, errorHandler: (error) => answerUnbuildableRequest(error, logger) });
  const listening = createServer(
    {
      requestTimeout,
      headersTimeout,
      keepAliveTimeout: 65_000,
      connectionsCheckingInterval: headersTimeout > 0 ? Math.max(100, Math.min(30_000, Math.floor(headersTimeout / 4))) : 30_000,
      // Refused below instead: Node's own refusal has no body.
      requireHostHeader: false,
    },
    (incoming, outgoing) => {
      // HTTP/1.1 requires a Host header (RFC 9112, section 3.2); an HTTP/1.0 request may come without one.
      if (incoming.headers.host === undefined && incoming.httpVersion === "1.1") {
        const refusal = malformedRequest("Missing host header", logger);
        outgoing.writeHead(refusal.status, { ...withLength(refusal), Connection: "close" }).end(refusal.body);
        return;
      }
      void listener(incoming, outgoing);
    },
  );
  cutStalledReaders(listening, server.write_timeout);
  listening.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) => answerClientError(error, socket, logger));
  return new Promise((resolve, reject) => {
    listening.once("error", reject);
    listening.listen(server.port, server.host, () => resolve(listening));
  });
}

/**
 * A client that stops reading an answer is cut off once none of it could be written for
 * `server.write_timeout` (the original's write deadline): its unread bytes would otherwise stay in
 * this process's memory for as long as it keeps the connection open. A slow reader that keeps
 * taking bytes is not cut. Checked on an interval, as Node checks its request deadlines.
 */
function cutStalledReaders(server: Server, writeTimeoutMs: number): void {
  if (writeTimeoutMs <= 0) return;
  // Per connection: the bytes the kernel had taken at the last look, and since when.
  const progress = new Map<Socket, { flushed: number; sinceMs: number }>();
  server.on("connection", (socket: Socket) => {
    progress.set(socket, { flushed: 0, sinceMs: Date.now() });
    socket.once("close", () => progress.delete(socket));
  });
  const sweep = setInterval(
    () => {
      const nowMs = Date.now();
      for (const [socket, seen] of progress) {
        // `writableLength` counts what was handed to the socket and not yet written out.
        const flushed = socket.bytesWritten - socket.writableLength;
        if (socket.writableLength === 0 || flushed !== seen.flushed) {
          seen.flushed = flushed;
          seen.sinceMs = nowMs;
        } else if (nowMs - seen.sinceMs >= writeTimeoutMs) socket.destroy();
      }
    },
    Math.max(100, Math.min(1_000, Math.floor(writeTimeoutMs / 4))),
  );
  sweep.unref();
  server.once("close", () => clearInterval(sweep));
}

const CLIENT_ERRORS: Record<string, [status: number, reason: string, message: string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [408, "Request Timeout", "request timed out: send the headers and the body within server.read_timeout"],
  HPE_HEADER_OVERFLOW: [431, "Request Header Fields Too Large", "request headers too large"],
};

/**
 * What Node answers itself, before any handler runs (a request too slow to arrive, malformed
 * HTTP), as a JSON error like every other, with a request id in its header, its body and the log
 * line about it: Node's own answers have an empty body. As Node does, only while nothing of a
 * response has gone out; otherwise the socket is just closed.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex, logger: Logger | undefined): void {
  const inProgress = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code === "ECONNRESET" || !socket.writable || inProgress?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, reason, message] = CLIENT_ERRORS[error.code ?? ""] ?? [400, "Bad Request", "malformed HTTP request"];
  const answer = jsonError(status, message);
  logger?.info("refused a request the HTTP parser could not take", { request_id: answer.requestId, status, code: error.code ?? "unknown" });
  const head = Object.entries(withLength(answer)).map(([name, value]) => `${name}: ${value}\r\n`).join("");
  socket.end(`HTTP/1.1 ${status} ${reason}\r\n${head}Connection: close\r\n\r\n${answer.body}`);
}

interface JsonErrorAnswer {
  status: number;
  requestId: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * An error Node answers outside the app, as the app answers one: JSON with a request id in its
 * header and body, and readable by a page on another origin (else a browser shows a CORS
 * failure, not this error).
 */
function jsonError(status: number, message: string): JsonErrorAnswer {
  const requestId = randomUUID();
  const headers = { "Content-Type": "application/json", [REQUEST_ID_HEADER]: requestId, ...CORS_ANSWER_HEADERS };
  return { status, requestId, headers, body: JSON.stringify({ error: message, request_id: requestId }) };
}

/** The headers of an answer written straight to the connection, which must state its length. */
const withLength = (answer: JsonErrorAnswer) => ({ ...answer.headers, "Content-Length": String(Buffer.byteLength(answer.body)) });

/** A request no URL can be made of, refused as the app refuses bad input, and logged. */
function malformedRequest(reason: string, logger: Logger | undefined): JsonErrorAnswer {
  const answer = jsonError(ERROR_STATUS.bad_request, `malformed request: ${reason.charAt(0).toLowerCase()}${reason.slice(1)}`);
  logger?.info("refused a request that names no valid URL", { request_id: answer.requestId, reason });
  return answer;
}

/**
 * What arrived as HTTP but is no URL (a Host header such as `a b`, a backslash in the path, a
 * request target of `*`) never reaches the app: @hono/node-server cannot build its Request and
 * answered a bare 400 with no body. A handler that rejected, which the app's own error handler
 * should make impossible, got a bare 500. Both are now JSON errors like the app's.
 */
function answerUnbuildableRequest(error: unknown, logger: Logger | undefined): Response {
  if (error instanceof RequestError) {
    const refusal = malformedRequest(error.message, logger);
    return new Response(refusal.body, refusal);
  }
  const answer = jsonError(ERROR_STATUS.internal, "internal server error");
  logger?.error("request failed outside the app", { request_id: answer.requestId, error: String(error) });
  return new Response(answer.body, answer);
}

/** How often a closing server ends the keep-alive connections that have gone idle since. */
const CLOSING_IDLE_SWEEP_MS = 50;

/**
 * Stops accepting, lets in-flight requests finish up to the shutdown timeout, then cuts the rest.
 * A keep-alive connection would otherwise take new requests until the timeout (`close` ends only
 * the connections idle at the call), and those still running then were cut unanswered, some of
 * them stored: every answer from now on says `Connection: close`, and connections that go idle
 * are ended as they do.
 */
export function closeHttp(http: Server, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const closeAfterAnswer = (_request: unknown, response: { headersSent: boolean; setHeader(name: string, value: string): unknown }) => {
      if (!response.headersSent) response.setHeader("Connection", "close");
    };
    http.on("request", closeAfterAnswer);
    const sweep = setInterval(() => http.closeIdleConnections?.(), CLOSING_IDLE_SWEEP_MS);
    sweep.unref();
    const timer = setTimeout(() => http.closeAllConnections?.(), timeoutMs);
    timer.unref();
    http.close(() => {
      clearTimeout(timer);
      clearInterval(sweep);
      http.off("request", closeAfterAnswer);
      resolve();
    });
    http.closeIdleConnections?.();
  });
}

