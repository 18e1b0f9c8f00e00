import type { countTokens as CountTokens } from "gpt-tokenizer";

/**
 * Token counting for `max_tokens`, with the real BPE tokenizer rather than a characters/4 guess.
 *
 * The encoding is o200k_base, the package's default entry: it is the tokenizer of the OpenAI models
 * agents use today (GPT-4o, GPT-4.1, GPT-5, the o-series), while cl100k_base only matches GPT-4 and
 * GPT-3.5. Other vendors' tokenizers differ by a few percent either way; o200k is the closest common
 * reference, and a budget stated in its tokens is exact for those models.
 *
 * Memory content is user text: a `<|endoftext|>` inside it is counted as plain text (the
 * tokenizer would otherwise throw on special-token strings).
 */
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

let countTokens: typeof CountTokens | undefined;
let loading: Promise<void> | undefined;

/**
 * Loads the tokenizer, once. Its o200k tables took 0.4 s and 67 MB of the server's resident memory
 * at every start, which a server that never renders a context should not pay; a failed load is
 * tried again by the next call.
 */
export function loadContextTokenizer(): Promise<void> {
  loading ??= import("gpt-tokenizer").then(
    (tokenizer) => {
      countTokens = tokenizer.countTokens;
    },
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  );
  return loading;
}

/** Counts with the tokenizer `loadContextTokenizer` loaded (a programming error before that). */
export function countContextTokens(text: string): number {
  if (countTokens === undefined) throw new Error("countContextTokens called before loadContextTokenizer resolved");
  return countTokens(text, PLAIN_TEXT);
}

