const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\b/i;

/** Whether a Content-Type names JSON (`application/json`, `application/<x>+json`), with any parameters. */
export const isJsonContentType = (header: string | undefined): boolean => JSON_TYPE.test(header ?? "");
