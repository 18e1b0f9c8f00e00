import { describe, expect, it } from "vitest";
import { ManualClock } from "../../core/clock";
import { DurableObjectAlarmScheduler } from "../../functions/worker/alarm-scheduler";

/** The alarm half of DurableObjectStorage, recording every write. */
class FakeAlarmStorage {
  alarm: number | null = null;
  writes: number[] = [];
  setAlarm(at: number | Date): Promise<void> {
    this.alarm = Number(at);
    this.writes.push(this.alarm);
    return Promise.resolve();
  }
  getAlarm = () => Promise.resolve(this.alarm);
  deleteAlarm = () => Promise.resolve(void (this.alarm = null));
}

function setup() {
  const clock = new ManualClock(1_000_000);
  const storage = new FakeAlarmStorage();
  const scheduler = new DurableObjectAlarmScheduler({
    storage: storage as unknown as DurableObjectStorage,
    clock,
    logger: { error() {} },
  });
  /** What workerd does when the stored alarm's time comes: clear it, run the handler. */
  const fireAlarm = () => {
    clock.set(Math.max(clock.now(), storage.alarm ?? clock.now()));
    storage.alarm = null;
    scheduler.fireDue();
  };
  return { clock, storage, scheduler, fireAlarm };
}

describe("DurableObjectAlarmScheduler", () => {
  it("keeps the one stored alarm at the earliest timer, writing only when it must move earlier", () => {
    const { clock, storage, scheduler } = setup();
    scheduler.setTimer(5_000, () => {});
    scheduler.setTimer(9_000, () => {});
    scheduler.setTimer(2_000, () => {});
    expect(storage.alarm).toBe(clock.now() + 2_000);
    expect(storage.writes).toEqual([clock.now() + 5_000, clock.now() + 2_000]);
  });

  it("runs due timers in time order when the alarm fires and re-arms for the next one", () => {
    const { clock, storage, scheduler, fireAlarm } = setup();
    const fired: string[] = [];
    const start = clock.now();
    scheduler.setTimer(3_000, () => fired.push("c"));
    scheduler.setTimer(1_000, () => fired.push("a"));
    scheduler.setTimer(10_000, () => fired.push("late"));
    clock.advance(3_000);
    fireAlarm();
    expect(fired).toEqual(["a", "c"]);
    expect(storage.alarm).toBe(start + 10_000);
    expect(scheduler.pending()).toEqual([start + 10_000]);
  });

  it("leaves timers that are not due yet when the alarm comes early, and skips cancelled ones", () => {
    const { clock, storage, scheduler } = setup();
    const fired: string[] = [];
    const keep = scheduler.setTimer(60_000, () => fired.push("kept"));
    const gone = scheduler.setTimer(1_000, () => fired.push("cancelled"));
    scheduler.cancel(gone);
    storage.alarm = null;
    scheduler.fireDue();
    expect(fired).toEqual([]);
    expect(storage.alarm).toBe(clock.now() + 60_000);
    scheduler.cancel(keep);
    clock.advance(60_000);
    scheduler.fireDue();
    expect(fired).toEqual([]);
  });

  it("arms a timer set while firing, and wakeBy never pushes an armed alarm later", () => {
    const { clock, storage, scheduler, fireAlarm } = setup();
    const fired: number[] = [];
    scheduler.setTimer(1_000, () => scheduler.setTimer(500, () => fired.push(clock.now())));
    fireAlarm();
    const next = clock.now() + 500;
    expect(storage.alarm).toBe(next);
    scheduler.wakeBy(next + 10_000);
    expect(storage.alarm).toBe(next);
    scheduler.wakeBy(next - 100);
    expect(storage.alarm).toBe(next - 100);
    clock.set(next);
    fireAlarm();
    expect(fired).toEqual([next]);
  });
});
