/**
 * Running mean of each tool's successful durations, for ETAs. Process-wide, so the second run of a workflow
 * already knows how long its tools take.
 */
export class DurationStats {
  private readonly byTool = new Map<string, { count: number; mean: number }>();

  record(tool: string, durationMs: number): void {
    let s = this.byTool.get(tool);
    if (!s) {
      s = { count: 0, mean: 0 };
      this.byTool.set(tool, s);
    }
    s.count += 1;
    s.mean += (durationMs - s.mean) / s.count;
  }

  /** The tool's mean, else the mean over all tools, else undefined (nothing known yet). */
  estimate(tool: string): number | undefined {
    const own = this.byTool.get(tool);
    if (own) return own.mean;
    let total = 0;
    let n = 0;
    for (const s of this.byTool.values()) {
      total += s.mean;
      n += 1;
    }
    return n ? total / n : undefined;
  }
}
