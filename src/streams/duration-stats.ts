/**
 * Running mean of each tool's successful durations, for ETAs. Process-wide, so the second run of a workflow
 * already knows how long its tools take.
 */
export class DurationStats {
  private readonly byTool = new Map<string, { count: number; mean: number }>();

  record(tool: string, durationMs: number): void {
    const s = this.byTool.get(tool) ?? { count: 0, mean: 0 };
    s.count += 1;
    s.mean += (durationMs - s.mean) / s.count;
    this.byTool.set(tool, s);
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
