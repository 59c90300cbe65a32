/** 90 -> "90 s", 1800 -> "30 min", 86400 -> "24 h": an approval_timeout as a person reads it. */
export function formatSeconds(seconds: number): string {
  if (seconds < 120) return `${+seconds.toFixed(3)} s`;
  if (seconds < 7_200) return `${+(seconds / 60).toFixed(1)} min`;
  return `${+(seconds / 3_600).toFixed(1)} h`;
}
