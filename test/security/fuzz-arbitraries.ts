import fc from "fast-check";

/** Real values the fuzzer mixes in, so generated requests also reach past validation into handlers. */
export interface FuzzWorld {
  orgId: string;
  agentIds: string[];
  sessionIds: string[];
  memoryIds: string[];
  keys: { admin: string; reader: string; token: string; operator: string };
}

/** Every field name any route reads, so shaped bodies and queries hit real validation paths. */
const FIELDS = [
  "agent_id", "session_id", "content", "memories", "metadata", "tags", "any_tags", "importance", "memory_type", "memory_types",
  "event_type", "event_types", "dedup_key", "parent_id", "time", "name", "description", "config", "status", "permissions",
  "expires_at", "expires_in", "url", "database", "measurement", "api_key", "since", "until", "limit", "offset", "cursor",
  "order", "order_by", "content_contains", "case_sensitive", "min_importance", "max_tokens", "include_types", "partial",
  "jsonrpc", "method", "params", "id", "__proto__", "constructor",
];

/** encodeURIComponent, with lone surrogates (which it refuses) replaced first. */
const encode = (s: string) => {
  try {
    return encodeURIComponent(s);
  } catch {
    return encodeURIComponent(s.replace(/[\ud800-\udfff]/g, "\ufffd"));
  }
};

const NASTY_STRINGS = [
  "", " ", "alpha", "fuzz-agent", "episodic", "decision", "read", "write", "admin", "active", "closed", "asc", "importance",
  "true", "1", "-1", "0", "1e309", "NaN", "null", "2h", "7d", "-5m", "2026-01-01T00:00:00Z", "9999-12-31T23:59:59Z",
  "http://127.0.0.1:9", "'; DROP TABLE events; --", "%_%", "\\", "\u0000", "\ud800", "漢字🙂", "a,b,,c", "..", "../../etc/passwd",
  "x".repeat(70), "y".repeat(600), "tools/call", "2.0",
];

const nastyString = fc.oneof(fc.constantFrom(...NASTY_STRINGS), fc.string({ maxLength: 30 }), fc.string({ unit: "binary", maxLength: 12 }));

const scalar = fc.oneof(
  nastyString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(0, 1, 1001, 2 ** 53, -0.5, 0.5, 86_400, 59),
);

const value = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom(Array.from({ length: 70 }, (_, i) => `t${i}`), { a: { b: { c: {} } } }) },
);

const shaped = (world: FuzzWorld) => {
  const idValue = fc.constantFrom(...world.agentIds, ...world.sessionIds, ...world.memoryIds);
  const field = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...FIELDS) }, { weight: 1, arbitrary: fc.string({ maxLength: 10 }) });
  const entry = fc.dictionary(field, fc.oneof({ weight: 4, arbitrary: value }, { weight: 1, arbitrary: idValue }), { maxKeys: 6 });
  return fc.oneof(
    entry,
    fc.record({ agent_id: fc.constantFrom("fuzz-agent", "alpha", "Bad Id"), content: nastyString }).chain((base) => entry.map((extra) => ({ ...extra, ...base }))),
    fc.array(entry, { maxLength: 4 }).map((memories) => ({ memories })),
  );
};

/** Bodies built to break a server (stack-deep nesting, sizes at and past the limits): every body route gets each. */
export const HOSTILE_BODIES = [
  `{"agent_id":"a","content":"c","metadata":{"m":${"[".repeat(30_000)}${"]".repeat(30_000)}}}`,
  `{"name":"n","agent_id":"fuzz-agent","config":{"m":${"[".repeat(15_000)}${"]".repeat(15_000)}},"metadata":{"m":${"[".repeat(15_000)}${"]".repeat(15_000)}}}`,
  `{"agent_id":"a","content":"${"x".repeat(70_000)}"}`,
  `{"memories":[${Array.from({ length: 1001 }, () => '{"agent_id":"a","content":"c"}').join(",")}]}`,
];

/** A raw request body: none, valid JSON of any shape, text that is not JSON, or hostile sizes and depths. */
export const bodyArb = (world: FuzzWorld) =>
  fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 4, arbitrary: shaped(world).map((v) => JSON.stringify(v)) },
    { weight: 2, arbitrary: fc.json({ maxDepth: 4 }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 50 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        "", "{", "null", "[]", "\"text\"", "{\"a\":1,}", "{\"agent_id\":\"a\",\"content\":\"c\"}garbage",
        ...HOSTILE_BODIES,
      ),
    },
  );

/** A path segment for a route parameter: a real id, or anything a client could put in a URL. */
export const segmentArb = (world: FuzzWorld, param: string) => {
  const real =
    param === "org_id" ? [world.orgId] : param === "key_id" ? [] : [...world.agentIds, ...world.sessionIds, ...world.memoryIds];
  const generated = fc
    .string({ maxLength: 40 })
    .map(encode)
    .filter((s) => s.length > 0 && !(param === "key_id" && Number.isFinite(Number(decodeURIComponent(s))) && Number(decodeURIComponent(s)) < 1e6));
  const odd = fc.constantFrom("%zz", "%00", "%2e%2e", "a".repeat(300), "99999999999999999999", "NaN", "1e400", "_", "-");
  return fc.oneof(...(real.length ? [fc.constantFrom(...real)] : []), generated, odd);
};

/** A query string of known and unknown names with hostile values (encoded, or raw). */
export const queryArb = fc
  .array(
    fc.tuple(fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 8 })), nastyString, fc.boolean()),
    { maxLength: 5 },
  )
  .map((pairs) =>
    pairs.length === 0
      ? ""
      : `?${pairs.map(([k, v, raw]) => `${encode(k)}=${raw ? v.replace(/[^\x21-\x7e]/g, "") : encode(v)}`).join("&")}`,
  );

/**
 * Headers a client might send: any credential shape, any content type. The operator key is
 * offered only where the path names no org, so the fuzzer cannot delete the org it fuzzes.
 */
export const headersArb = (world: FuzzWorld, withOperator: boolean) =>
  fc.record({
    credential: fc.constantFrom<Record<string, string>>(
      ...(withOperator ? [{ "x-api-key": world.keys.operator }] : []),
      { "x-api-key": world.keys.admin },
      { "x-api-key": world.keys.reader },
      { authorization: `Bearer ${world.keys.token}` },
      {},
      { "x-api-key": `mtk_${"Q".repeat(43)}=` },
      { authorization: "Bearer mtt_e30.e30.AAAA" },
      { authorization: "Bearer" },
      { authorization: "Basic dXNlcjpwYXNz" },
      { "x-api-key": "x".repeat(5000) },
    ),
    contentType: fc.constantFrom(
      "application/json", "application/json; charset=utf-8", "text/plain", "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x", "application/vnd.api+json", "", "json",
    ),
    accept: fc.constantFrom("application/json", "application/json, text/event-stream", "*/*", "text/html"),
  });
