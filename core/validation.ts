import { z } from "zod";

/**
 * The original's input patterns (its sanitize package). They stay the contract for ids, types and
 * tags, so every value that reaches Arc SQL is already narrow; literals are still escaped.
 */
export const ID_PATTERN = /^[a-zA-Z][a-zA-Z0-9_-]{0,127}$/;
export const TYPE_PATTERN = /^[a-zA-Z][a-zA-Z0-9_]{0,63}$/;
export const TAG_PATTERN = /^[a-zA-Z0-9_.-]{1,64}$/;

export const idSchema = (field: string) =>
  z.string().regex(ID_PATTERN, {
    message: `invalid ${field}: must start with a letter, then letters, digits, underscores or hyphens, max 128 chars`,
  });

export const typeSchema = (field: string) =>
  z.string().regex(TYPE_PATTERN, {
    message: `invalid ${field}: must start with a letter, then letters, digits or underscores, max 64 chars`,
  });

export const tagSchema = z.string().regex(TAG_PATTERN, {
  message: "invalid tag: letters, digits, underscores, hyphens or dots, 1 to 64 chars",
});
