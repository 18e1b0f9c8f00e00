/** `memtrace/client`: the typed client for the Memtrace HTTP API. */
export { MemtraceClient, type MemtraceClientOptions } from "./client";
export { MemtraceApiError, type ErrorBody } from "./http";
export type * from "./types";
