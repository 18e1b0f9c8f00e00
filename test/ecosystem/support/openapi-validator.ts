import { Ajv2020, type ValidateFunction } from "ajv/dist/2020";
import addFormats from "ajv-formats";

type Doc = { paths: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, unknown> }> }>> };

interface Template {
  path: string;
  pattern: RegExp;
  literalSegments: number;
}

const escapePointer = (part: string) => part.replaceAll("~", "~0").replaceAll("/", "~1");

/**
 * Checks real responses against the served OpenAPI document: the path and method must be
 * documented, the status must be one the operation lists, and the body must be JSON that
 * validates against that status's schema (or empty where none is documented). It records which
 * (method, path, status) it saw, so a test can prove every operation was exercised.
 */
export class OpenApiResponseValidator {
  readonly seen = new Set<string>();
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly templates: Template[];

  constructor(readonly doc: Doc) {
    (addFormats as unknown as (ajv: Ajv2020) => void)(this.ajv);
    this.ajv.addSchema(doc as object, "openapi.json");
    this.templates = Object.keys(doc.paths).map((path) => ({
      path,
      pattern: new RegExp(`^${path.replace(/\{[^/]+\}/g, "[^/]+")}$`),
      literalSegments: path.split("/").filter((s) => s && !s.startsWith("{")).length,
    }));
  }

  /** The documented path template a concrete path falls under (the most literal one wins). */
  templateFor(pathname: string): string | undefined {
    // The app routes with a trailing slash tolerated (as the original did), so the document does too.
    const path = pathname.length > 1 ? pathname.replace(/\/+$/, "") : pathname;
    return this.templates
      .filter((t) => t.pattern.test(path))
      .sort((a, b) => b.literalSegments - a.literalSegments)[0]?.path;
  }

  /** Whether the document has this operation (an unknown one is answered by the app's JSON 404). */
  hasOperation(method: string, pathname: string): boolean {
    const template = this.templateFor(pathname);
    return Boolean(template && this.doc.paths[template]?.[method.toLowerCase()]);
  }

  /** Throws with a readable reason when the response breaks the document. */
  check(method: string, url: string, status: number, text: string): void {
    const pathname = new URL(url).pathname;
    const template = this.templateFor(pathname);
    const verb = method.toLowerCase();
    const operation = template ? this.doc.paths[template]?.[verb] : undefined;
    if (!template || !operation) throw new Error(`${method} ${pathname} is not in the OpenAPI document`);
    const response = operation.responses?.[String(status)];
    if (!response) throw new Error(`${method} ${template} answered ${status}, which the document does not list: ${text.slice(0, 300)}`);
    this.seen.add(`${verb} ${template} ${status}`);
    if (!response.content) {
      if (text !== "") throw new Error(`${method} ${template} ${status} should have no body, got: ${text.slice(0, 300)}`);
      return;
    }
    // A plain-text answer (Prometheus' exposition) has no schema beyond being text.
    if (!response.content["application/json"] && response.content["text/plain"]) return;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`${method} ${template} ${status} body is not JSON: ${text.slice(0, 300)}`);
    }
    const validate = this.validatorFor(template, verb, status);
    if (!validate(body)) {
      throw new Error(
        `${method} ${template} ${status} body does not match the document: ${this.ajv.errorsText(validate.errors)}\n${text.slice(0, 500)}`,
      );
    }
  }

  /** A fetch that checks every response it returns. */
  fetch(inner: typeof fetch = globalThis.fetch): typeof fetch {
    return async (input, init) => {
      const request = new Request(input, init);
      const response = await inner(request);
      this.check(request.method, request.url, response.status, await response.clone().text());
      return response;
    };
  }

  private validatorFor(template: string, verb: string, status: number): ValidateFunction {
    const pointer = ["paths", template, verb, "responses", String(status), "content", "application/json", "schema"].map(escapePointer).join("/");
    let validate = this.compiled.get(pointer);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `openapi.json#/${pointer}` });
      this.compiled.set(pointer, validate);
    }
    return validate;
  }
}

/** Every (method, path) pair the document describes. */
export function documentedOperations(doc: Doc): string[] {
  return Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`));
}
