import { describe, expect, it } from "vitest";
import { ArcRequestError, arcErrorDetail, retryAfterSeconds } from "../../core/arc/request-error";

describe("ArcRequestError", () => {
  it("is retryable for network failures, timeouts and 408/429/502/503/504 only", () => {
    const http = (status: number) => new ArcRequestError({ operation: "write", kind: "http", status });
    for (const status of [408, 429, 502, 503, 504]) expect(http(status).retryable).toBe(true);
    for (const status of [400, 401, 403, 404, 413, 500, 507, 508]) expect(http(status).retryable).toBe(false);
    expect(new ArcRequestError({ operation: "query", kind: "network" }).retryable).toBe(true);
    expect(new ArcRequestError({ operation: "query", kind: "timeout" }).retryable).toBe(true);
    expect(new ArcRequestError({ operation: "query", kind: "malformed", status: 200 }).retryable).toBe(false);
  });

  it("keeps Arc's detail for logs in its own message and cause chain, not in the service error's", () => {
    const error = new ArcRequestError({ operation: "write", kind: "http", status: 500, detail: "Failed to write records: type conflict" });
    expect(error.message).toBe("Arc write failed (HTTP 500): Failed to write records: type conflict");
    const service = error.toServiceError();
    expect(service.message).toBe("Arc write failed");
    expect(service.cause).toBe(error);
    expect(service.details).toBeUndefined();
  });

  it("asks clients to come back after Arc's Retry-After, or a second", () => {
    expect(new ArcRequestError({ operation: "query", kind: "http", status: 429, retryAfterSeconds: 30 }).toServiceError().retryAfterSeconds).toBe(30);
    expect(new ArcRequestError({ operation: "query", kind: "network" }).toServiceError().retryAfterSeconds).toBe(1);
  });
});

describe("response helpers", () => {
  it("read Retry-After seconds and ignore dates or junk", () => {
    expect(retryAfterSeconds("5")).toBe(5);
    expect(retryAfterSeconds(" 12 ")).toBe(12);
    expect(retryAfterSeconds("Wed, 21 Oct 2026 07:28:00 GMT")).toBeUndefined();
    expect(retryAfterSeconds(null)).toBeUndefined();
  });

  it("take Arc's error text, else the body's start, bounded", () => {
    expect(arcErrorDetail('{"success":false,"error":"Query timed out"}')).toBe("Query timed out");
    expect(arcErrorDetail("Bad Gateway")).toBe("Bad Gateway");
    expect(arcErrorDetail("  ")).toBeUndefined();
    expect(arcErrorDetail(JSON.stringify({ error: "x".repeat(2000) }))).toHaveLength(500);
  });
});
