/** How pressing a finding is: an issue's or an anomaly's severity, an email's urgency. */
export const SEVERITIES = ['high', 'medium', 'low'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** A sort comparator: high before medium before low. */
export function mostSevereFirst(a: Severity, b: Severity): number {
  return SEVERITIES.indexOf(a) - SEVERITIES.indexOf(b);
}
