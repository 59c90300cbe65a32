import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestFirm, type TestFirm } from './test-firm.js';

describe('scan_billable_time', () => {
  let firm: TestFirm;
  beforeAll(async () => {
    firm = await openTestFirm();
  });
  afterAll(() => firm.close());

  it('totals this week and last by matter and lawyer', async () => {
    const r = await firm.call('scan_billable_time', {});
    expect(r.period).toEqual({ label: 'this_and_last_week', start: '2025-03-03', end: '2025-03-12' });
    expect(r.totals).toEqual({ entries: 18, hours: 48.7, amount: 16455, billed_hours: 32.5, unbilled_hours: 16.2, unbilled_amount: 5055 });
    const harbor = r.by_matter.find((m: { number: string }) => m.number === 'SP-001');
    expect(harbor).toMatchObject({ hours: 14, amount: 3900, unbilled_hours: 7, client: 'Harbor Logistics LLC' });
    expect(r.by_lawyer.map((l: { lawyer: string }) => l.lawyer).sort()).toEqual(['Alice Morgan', 'Ben Okafor', 'Carla Reyes', 'David Kim']);
    expect(r.unbilled_entries).toHaveLength(8);
    expect(r.sample_data).toBe(true);
  });

  it('finds the anomalies a billing partner would question', async () => {
    const r = await firm.call('scan_billable_time', {});
    const kinds = r.anomalies.map((a: { kind: string }) => a.kind);
    expect(kinds).toEqual(expect.arrayContaining(['long_entry', 'long_day', 'duplicate', 'rate_mismatch', 'vague_description', 'closed_matter']));
    expect(r.has_anomalies).toBe(true);
    expect(r.anomalies[0].severity).toBe('high');
    expect(r.anomalies.find((a: { kind: string }) => a.kind === 'duplicate').entry_ids).toEqual(['sample-time-012', 'sample-time-013']);
    expect(r.anomalies.find((a: { kind: string }) => a.kind === 'rate_mismatch').message).toMatch(/\$450\/h, Ben Okafor's usual rate is \$300\/h/);
  });

  it('narrows by period, matter and lawyer', async () => {
    const lastWeek = await firm.call('scan_billable_time', { period: 'last_week' });
    expect(lastWeek.period).toMatchObject({ start: '2025-03-03', end: '2025-03-09' });
    expect(lastWeek.totals.unbilled_hours).toBe(0);
    const one = await firm.call('scan_billable_time', { matter_id: 'SP-005', lawyer: 'ben okafor' });
    expect(one.totals).toMatchObject({ entries: 2, hours: 2.5 });
    const custom = await firm.call('scan_billable_time', { start_date: '2025-03-10', end_date: '2025-03-10' });
    expect(custom.period.label).toBe('custom');
    expect(custom.totals.entries).toBe(3);
    await expect(firm.call('scan_billable_time', { start_date: 'March 1' })).rejects.toMatchObject({ code: 'invalid_arguments' });
  });
});
