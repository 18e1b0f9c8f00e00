import type { Scheduler, TimerHandle } from "./coordinator/scheduler";

/**
 * Runs `task` every `intervalMs`, one run at a time, the first `intervalMs` after `start` (a Node
 * server's periodic work; Workers run theirs from the cron trigger). `stop` cancels the next run
 * and waits for one under way. The task reports its own failures: one that rejects is ignored.
 */
export class RepeatingJob {
  private timer: TimerHandle | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly intervalMs: number,
    private readonly task: () => Promise<unknown>,
  ) {}

  start(): void {
    this.timer = this.scheduler.setTimer(this.intervalMs, () => {
      this.running = this.task()
        .catch(() => undefined)
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.start();
        });
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.scheduler.cancel(this.timer);
    await this.running;
  }
}
