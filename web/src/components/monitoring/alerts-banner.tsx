import type { MonitoringAlert } from '../../../../src/protocol/index.js';

/** The alerts firing now, first on the page; a calm line when none is. */
export function AlertsBanner({ alerts }: { alerts: MonitoringAlert[] }) {
  if (alerts.length === 0) {
    return <p className="alerts-none" data-testid="alerts-none"><span aria-hidden="true">✓</span> No alert firing</p>;
  }
  return (
    <section className="alerts" role="alert" aria-label="Alerts firing" data-testid="alerts">
      <h2><span aria-hidden="true">⚠</span> {alerts.length === 1 ? '1 alert firing' : `${alerts.length} alerts firing`}</h2>
      <ul>
        {alerts.map((alert) => (
          <li key={`${alert.name}:${alert.kind ?? alert.tool ?? alert.queue ?? ''}`} data-alert={alert.name}>
            <strong>{alert.name}</strong> {alert.summary}
          </li>
        ))}
      </ul>
    </section>
  );
}
