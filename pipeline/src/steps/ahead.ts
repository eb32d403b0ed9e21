/**
 * Work started ahead of the pipeline. On the direct runner a step runs in
 * the process that builds the pipeline, and `videoflow process` spends about
 * half a second loading Beam before the first step runs: the first video's
 * probe and segments start before that load instead (startVideoAhead), and
 * the pipeline's steps take their results when they reach them. The steps
 * still run in the graph's order and decide everything; work ahead is only
 * the same function called earlier with the same element.
 */

/** Results of work started ahead, each taken once by the step given the same element. */
export class WorkAhead<T> {
  private readonly pending = new Map<string, { group: string; result: Promise<T> }>();

  /** Starts `work` for an element (its identity: `id`; `group`: the attempt whose files it writes). */
  start(id: string, group: string, work: () => Promise<T>): Promise<T> {
    const result = work();
    result.catch(() => undefined); // a failure is the taker's to report
    this.pending.set(id, { group, result });
    return result;
  }

  /** The result for this element, once: undefined when none was started ahead. */
  take(id: string): Promise<T> | undefined {
    const entry = this.pending.get(id);
    this.pending.delete(id);
    return entry?.result;
  }

  /**
   * Waits for the work still pending in a group, so that a step doing its own
   * work never runs beside it on the same files; returns how many it waited for.
   */
  async settled(group: string): Promise<number> {
    const inGroup = [...this.pending.values()].filter((e) => e.group === group);
    await Promise.allSettled(inGroup.map((e) => e.result));
    return inGroup.length;
  }

  get size(): number {
    return this.pending.size;
  }
}
