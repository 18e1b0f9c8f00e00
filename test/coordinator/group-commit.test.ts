import { describe, expect, it } from "vitest";
import { GroupCommitQueue } from "../../core/coordinator/group-commit";

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("GroupCommitQueue", () => {
  it("commits what waits as one group, an answer per item in order", async () => {
    const groups: number[][] = [];
    const queue = new GroupCommitQueue(async (items: number[]) => {
      groups.push(items);
      await tick();
      return items.map((item) => item * 10);
    });
    const answers = await Promise.all([queue.submit([1, 2]), queue.submit([3])]);
    expect(answers).toEqual([[10, 20], [30]]);
    expect(groups).toEqual([[1, 2, 3]]);
  });

  it("settles what was submitted so far while submissions keep coming, where idle would wait for a pause", async () => {
    let stop = false;
    let arrivals = 0;
    const later: Array<Promise<number[]>> = [];
    const queue: GroupCommitQueue<number, number> = new GroupCommitQueue(async (items: number[]) => {
      // A steady stream: a new submission arrives during every commit.
      if (!stop) later.push(queue.submit([++arrivals]));
      await tick();
      return items;
    });
    const first = queue.submit([0]);
    let idle = false;
    void queue.idle().then(() => (idle = true));
    await queue.settled();
    await first;
    expect(arrivals).toBeLessThan(5);
    expect(idle).toBe(false);
    stop = true;
    await Promise.all(later);
    await queue.idle();
    expect(idle).toBe(true);
  });
});
