import { Agent, request } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";

interface Answer {
  status: number;
  text: string;
  retryAfter: number | undefined;
}

/**
 * A tiny JSON client for one Memtrace server and key: the batch load and the benchmark's own
 * calls. It speaks node:http over keep-alive sockets rather than fetch, whose web streams cost the
 * load generator several µs per memory reading a batch's answer, on a core it shares with the
 * server.
 */
export class BenchApi {
  readonly headers: Record<string, string>;
  private readonly agent = new Agent({ keepAlive: true });

  constructor(
    readonly baseUrl: string,
    readonly key: string,
  ) {
    this.headers = { "x-api-key": key };
  }

  /** One request; answers the status and the raw body text. */
  send(method: string, path: string, body?: string | Buffer): Promise<Answer> {
    const headers = body === undefined ? this.headers : { ...this.headers, "content-type": "application/json" };
    return new Promise<Answer>((resolve, reject) => {
      const outgoing = request(`${this.baseUrl}${path}`, { method, headers, agent: this.agent }, (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
        incoming.on("error", reject);
        incoming.on("end", () => {
          const retry = incoming.headers["retry-after"];
          resolve({ status: incoming.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8"), retryAfter: retry === undefined ? undefined : Number(retry) });
        });
      });
      outgoing.on("error", reject);
      outgoing.end(body);
    });
  }

  /** Closes the idle keep-alive sockets. */
  close(): void {
    this.agent.destroy();
  }

  /** A request that must answer `expect`; its JSON body. */
  async json<T>(method: string, path: string, body: unknown, expect: number): Promise<T> {
    const { status, text } = await this.send(method, path, body === undefined ? undefined : JSON.stringify(body));
    if (status !== expect) throw new Error(`${method} ${path}: ${status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  }

  /**
   * Posts a batch until it is accepted: a 503 (outbox full, delivery behind) waits `Retry-After`
   * and tries again, at most `maxAttempts` times. Answers how many memories were created.
   */
  async postBatch(body: string | Buffer, maxAttempts = 30): Promise<{ created: number; text: string }> {
    for (let attempt = 1; ; attempt++) {
      const { status, text, retryAfter } = await this.send("POST", "/api/v1/memories", body);
      if (status === 201) return { created: createdCount(text), text };
      if (status !== 503 || attempt >= maxAttempts) throw new Error(`batch rejected: ${status} ${text.slice(0, 300)}`);
      await sleep(Math.min(5, retryAfter ?? 1) * 1000);
    }
  }
}

const COUNT = /"count":(\d+),"duplicates":(\d+)/;

/** The created count of a batch answer, read without parsing its (large) memories array. */
export function createdCount(text: string): number {
  const match = COUNT.exec(text);
  if (!match) throw new Error(`no count in batch answer: ${text.slice(0, 200)}`);
  return Number(match[1]);
}

const CREATED_ID = /"status":"created","id":"([^"]+)"/g;

/** The ids a batch answer reports as created, from its per-item results. */
export function createdIds(text: string): string[] {
  return Array.from(text.matchAll(CREATED_ID), (m) => m[1]!);
}

/** The id of a single memory answer (its first key). */
export function memoryId(text: string): string | undefined {
  return /^\{"id":"([^"]+)"/.exec(text)?.[1];
}
