import { z } from "zod";
import { wellFormed } from "./well-formed";

/**
 * The original's input patterns (its sanitize package). They stay the contract for ids, types and
 * tags, so every value that reaches Arc SQL is already narrow; literals are still escaped.
 */
export const ID_PATTERN = /^[a-zA-Z][a-zA-Z0-9_-]{0,127}$/;
export const TYPE_PATTERN = /^[a-zA-Z][a-zA-Z0-9_]{0,63}$/;
export const TAG_PATTERN = /^[a-zA-Z0-9_.-]{1,64}$/;

/** `pattern`, or nothing at all: for fields where "" means "not sent" (see memoryInputSchema). */
const orEmptyPattern = (pattern: RegExp) => new RegExp(`^(?:${pattern.source.slice(1, -1)})?$`);
const ID_OR_EMPTY = orEmptyPattern(ID_PATTERN);
const TYPE_OR_EMPTY = orEmptyPattern(TYPE_PATTERN);
const TAG_OR_EMPTY = orEmptyPattern(TAG_PATTERN);

/** `orEmpty` also accepts "" (under the same message, which still names what a value must be). */
interface PatternOptions {
  orEmpty?: boolean;
}

export const idSchema = (field: string, options: PatternOptions = {}) =>
  z.string().regex(options.orEmpty ? ID_OR_EMPTY : ID_PATTERN, {
    message: `invalid ${field}: must start with a letter, then letters, digits, underscores or hyphens, max 128 chars`,
  });

export const typeSchema = (field: string, options: PatternOptions = {}) =>
  z.string().regex(options.orEmpty ? TYPE_OR_EMPTY : TYPE_PATTERN, {
    message: `invalid ${field}: must start with a letter, then letters, digits or underscores, max 64 chars`,
  });

const TAG_MESSAGE = "invalid tag: letters, digits, underscores, hyphens or dots, 1 to 64 chars";
export const tagSchema = z.string().regex(TAG_PATTERN, { message: TAG_MESSAGE });
export const tagOrEmptySchema = z.string().regex(TAG_OR_EMPTY, { message: TAG_MESSAGE });

/**
 * Text a client sends and we store or compare as is, made well-formed (see wellFormed) so the
 * answer to a write equals what a read returns. `overwrite` keeps it a string schema: length
 * checks may follow, and the OpenAPI document still shows a string.
 */
export const freeText = (params?: Parameters<typeof z.string>[0]) => z.string(params).overwrite(wellFormed);

/**
 * A JSON object as parsed, own keys intact. zod's record and object schemas copy keys by
 * assignment, which makes a `__proto__` key the copy's prototype: the key vanished from storage.
 * A refined `unknown` passes the value itself on; its meta is what the OpenAPI document and the
 * MCP tool list show (a `custom` schema cannot be shown in JSON Schema at all). A number too
 * large for a double (`1e400` parses as Infinity) would be stored as null: it is refused instead,
 * and so is nesting past `maxDepth` when given, both found in one walk of the value.
 */
export const jsonObjectSchema = (field: string, { maxDepth = Number.POSITIVE_INFINITY }: { maxDepth?: number } = {}) =>
  z
    .unknown()
    .refine((value) => typeof value === "object" && value !== null && !Array.isArray(value), { message: `${field} must be a JSON object`, abort: true })
    .superRefine((value, ctx) => {
      const problem = jsonValueProblem(value, maxDepth);
      if (problem === "too deep") ctx.addIssue({ code: "custom", message: `${field} nests deeper than ${maxDepth} levels` });
      if (problem === "not finite") ctx.addIssue({ code: "custom", message: `${field} holds a number too large to store` });
    })
    .meta({ type: "object", additionalProperties: {} }) as unknown as z.ZodType<Record<string, unknown>, Record<string, unknown>>;

/**
 * What makes a parsed JSON value unfit to store, if anything: objects and arrays nested deeper
 * than `maxDepth` (`{"a": 1}` is depth 1), or a number JSON cannot write back (an overflow parses
 * as ±Infinity). Iterative, and stops at the first problem.
 */
function jsonValueProblem(value: unknown, maxDepth: number): "too deep" | "not finite" | undefined {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node === "number" && !Number.isFinite(node)) return "not finite";
    if (node === null || typeof node !== "object") continue;
    if (depth + 1 > maxDepth) return "too deep";
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return undefined;
}

/**
 * An optional field of a JSON request body whose Go zero value means "not sent": `null` (a nil
 * map, slice or pointer) and, where given, `""` or `0`. The original decoded bodies into Go
 * structs, so it could not tell those from absent, and a Go client without `omitempty` sends them
 * for every field it leaves unset.
 */
export const unsetWhenZero = <T extends z.ZodType>(schema: T, zero?: "" | 0) =>
  z.preprocess((value) => (value === null || (zero !== undefined && value === zero) ? undefined : value), schema.optional());
