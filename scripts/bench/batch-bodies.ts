import { batchJson } from "./workload";

/**
 * Batch bodies built and UTF-8 encoded before the clock starts, as wrk or autocannon send
 * prepared requests: the load generator shares the server's two cores, and building 1,000
 * memories of JSON per request would bill the server's figure for the client's work. Body `i`
 * holds memories `first + i*size` onward; past the prepared ones, bodies are built on demand.
 */
export class BatchBodies {
  private readonly prepared: Array<Buffer | undefined> = [];

  constructor(
    private readonly first: number,
    private readonly size: number,
    private readonly one: (n: number) => string,
    prepare: number,
  ) {
    for (let i = 0; i < prepare; i++) this.prepared.push(Buffer.from(this.build(i)));
  }

  /** Body `i`; a prepared body is handed out once and then released. */
  body(i: number): Buffer | string {
    const ready = this.prepared[i];
    if (ready === undefined) return this.build(i);
    this.prepared[i] = undefined;
    return ready;
  }

  private build(i: number): string {
    return batchJson(this.first + i * this.size, this.size, this.one);
  }
}
