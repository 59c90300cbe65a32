import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { from, lastValueFrom, toArray } from 'rxjs';
import { workflowResumePoint } from '../src/runtime/resume-point.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../src/store/index.js';
import type { WorkflowEvent, WorkflowFinishEvent } from '../src/protocol/index.js';
import { createEngine, runWorkflow, type TaskDecision } from '../src/streams/index.js';
import { createToolRegistry, type ToolRegistry } from '../src/tools/index.js';
import { createLegalTools, seedSampleFirm } from '../src/tools/legal/index.js';
import { compileWorkflow, loadWorkflowFile, resolveInputs } from '../src/workflows/index.js';

/**
 * Every template in workflows/, run end to end by the engine over the embedded store seeded with the sample firm,
 * judged by what a firm would see afterwards: letters, outbox, records, calendar - not only the run's status.
 */
const WORKFLOWS_DIR = fileURLToPath(new URL('../workflows/', import.meta.url));
const NOW = new Date('2025-03-12T15:00:00Z');
const TESTED = ['legal_intake', 'legal_intake_reviewed', 'example', 'email_batch', 'document_review', 'billing_review', 'deadline_calendar', 'new_matter_opening'];

let db: Database;
let tools: ToolRegistry;
let runs = 0;

beforeAll(async () => {
  db = await openDatabase({ dataDir: ':memory:' });
  await seedSampleFirm(db, { now: NOW });
  tools = createToolRegistry(createLegalTools({ db, now: NOW }));
});
afterAll(() => db.close());

interface Run {
  executionId: string;
  events: WorkflowEvent[];
  finish: WorkflowFinishEvent;
  tasks: WorkflowFinishEvent['tasks'];
  /** Results by task id, for completed tasks. */
  result(taskId: string): any;
}

/** A lawyer looking at a parked run: told what a waiting task will run with, answers with a decision. */
type Reviewer = (request: Extract<WorkflowEvent, { type: 'task-approval-request' }>) => Promise<Omit<TaskDecision, 'taskId'>>;

async function run(id: string, inputs: Record<string, unknown> = {}, reviewer?: Reviewer): Promise<Run> {
  const compiled = compileWorkflow(await loadWorkflowFile(join(WORKFLOWS_DIR, `${id}.yaml`)), { hasTool: (name) => tools.has(name) });
  const executionId = `exec-${id}-${++runs}`;
  const events: WorkflowEvent[] = [];
  let decided: TaskDecision[] = [];
  // a run that parks for approval is resumed from its log with the decisions, as the gateway does
  for (let attempt = 0; ; attempt++) {
    const point = workflowResumePoint(events);
    const resume = attempt === 0 ? undefined : { ...point, attempt };
    events.push(...(await lastValueFrom(
      runWorkflow(compiled, createEngine(), { tools, inputs: resolveInputs(compiled.definition, inputs), executionId, user: 'tester', resume, decisions: from(decided) }).pipe(toArray()),
    )));
    const last = events.at(-1)!;
    if (last.type !== 'workflow-waiting') break;
    const asked = workflowResumePoint(events).approvals;
    const requests = last.waitingTasks.map((taskId) => events.find((e) => e.type === 'task-approval-request' && e.taskId === taskId)!);
    expect(reviewer, `${id} waits for ${last.waitingTasks.join(', ')}`).toBeDefined();
    decided = await Promise.all(requests.map(async (request) => ({ taskId: (request as { taskId: string }).taskId, ...(await reviewer!(request as never)) })));
    expect(Object.keys(asked)).toEqual(expect.arrayContaining(last.waitingTasks));
  }
  const finish = events.at(-1) as WorkflowFinishEvent;
  expect(finish.type).toBe('workflow-finish');
  return {
    executionId,
    events,
    finish,
    tasks: finish.tasks,
    result: (taskId) => {
      const outcome = finish.tasks[taskId];
      if (outcome?.status !== 'completed') throw new Error(`${taskId} is ${outcome?.status}: ${JSON.stringify(outcome)}`);
      return outcome.result;
    },
  };
}

const outboxOf = async (executionId: string) =>
  (await db.query<{ to_address: string; subject: string; body: string; status: string }>(
    `SELECT to_address, subject, body, status FROM outbox WHERE idempotency_key LIKE $1 ORDER BY created_at`,
    [`${executionId}:%`],
  )).rows;

/** The three tasks started before any of them finished: they ran side by side, not one after another. */
function ranInParallel(events: WorkflowEvent[], ids: string[]): boolean {
  const firstComplete = events.findIndex((e) => e.type === 'task-complete' && ids.includes(e.taskId));
  const starts = ids.map((id) => events.findIndex((e) => e.type === 'task-start' && e.taskId === id));
  return starts.every((i) => i >= 0 && i < firstComplete);
}

describe('the templates', () => {
  it('are all covered here, and all compile against the legal tools', async () => {
    const files = readdirSync(WORKFLOWS_DIR).filter((f) => /\.ya?ml$/.test(f)).map((f) => f.replace(/\.ya?ml$/, ''));
    expect(files.sort()).toEqual([...TESTED].sort());
    for (const id of files) {
      const compiled = compileWorkflow(await loadWorkflowFile(join(WORKFLOWS_DIR, `${id}.yaml`)), { hasTool: (name) => tools.has(name) });
      expect(compiled.id).toBe(id);
      expect(compiled.definition.description, id).toBeTruthy();
    }
  });
});

describe('legal_intake', () => {
  it('stops at the conflict check for an adverse party in an open matter, writes no letter, and says why', async () => {
    const r = await run('legal_intake', { client_email: 'd.whitaker@brightwaterfoods.example' });
    expect(r.finish.status).toBe('completed');
    const check = r.result('conflict_check');
    expect(check.has_conflicts).toBe(true);
    expect(check.reason).toMatch(/Daniel Whitaker.*open matter SP-001 Harbor Logistics v\. Brightwater Foods/);
    for (const id of ['generate_retainer', 'send_confirmation', 'update_client']) expect(r.tasks[id]!.status, id).toBe('skipped');
    expect(r.tasks.generate_retainer!.reason).toMatch(/has_conflicts == false/);

    const outbox = await outboxOf(r.executionId);
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({ to_address: 'conflicts@sample-partners.example', subject: 'Conflict: intake from d.whitaker@brightwaterfoods.example stopped' });
    expect(outbox[0]!.body).toContain('No retainer letter was written');
    expect(outbox[0]!.body).toContain(check.reason);
    const letters = await db.query("SELECT 1 FROM documents WHERE kind = 'retainer_letter' AND body LIKE '%Whitaker%'");
    expect(letters.rows).toHaveLength(0);
    const clients = await db.query("SELECT 1 FROM clients WHERE lower(email) = 'd.whitaker@brightwaterfoods.example'");
    expect(clients.rows).toHaveLength(0);
  });

  it('gives a clean prospective client a stored letter, one confirmation email and a client record', async () => {
    const r = await run('legal_intake', { client_email: 'john@example.com' });
    expect(r.finish.status).toBe('completed');
    expect(r.result('extract_client_info')).toMatchObject({ client_name: 'John Miller', matter_type: 'employment' });
    expect(r.result('conflict_check').has_conflicts).toBe(false);
    expect(r.tasks.notify_conflict!.status).toBe('skipped');

    const letter = r.result('generate_retainer');
    expect(letter.url).toBe(`/api/documents/${letter.document_id}`);
    const { rows: docs } = await db.query<{ body: string; kind: string }>('SELECT body, kind FROM documents WHERE id = $1', [letter.document_id]);
    expect(docs[0]!.kind).toBe('retainer_letter');
    expect(docs[0]!.body).toContain('Dear John Miller,');
    expect(docs[0]!.body).toContain('$5,000.00');

    const outbox = await outboxOf(r.executionId);
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({ to_address: 'john@example.com', subject: 'Your request for representation', status: 'queued' });
    expect(outbox[0]!.body).toMatch(/^Dear John Miller,/);
    expect(outbox[0]!.body).toContain(letter.title);

    const { rows: clients } = await db.query<{ name: string; phone: string; notes: string; status: string }>(
      "SELECT name, phone, notes, status FROM clients WHERE email = 'john@example.com'",
    );
    expect(clients).toHaveLength(1);
    expect(clients[0]).toMatchObject({ name: 'John Miller', phone: '(555) 010-7788', status: 'prospective' });
    expect(clients[0]!.notes).toContain(`Retainer letter ${letter.document_id}`);
    // confirmation and record update ran side by side once the letter existed
    expect(ranInParallel(r.events, ['send_confirmation', 'update_client'])).toBe(true);
  });

  it('does nothing for an address that never wrote, and says so', async () => {
    const r = await run('legal_intake', { client_email: 'nobody@example.com' });
    expect(r.finish.status).toBe('completed');
    expect(r.result('extract_client_info').found).toBe(false);
    expect(r.tasks.conflict_check).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/found/) });
    expect(r.tasks.generate_retainer!.status).toBe('skipped');
    expect(await outboxOf(r.executionId)).toHaveLength(0);
  });
});

describe('example', () => {
  it('writes a letter after a clear conflict check', async () => {
    const r = await run('example', { client_email: 'sarah.lin@mail.example' });
    expect(r.finish.status).toBe('completed');
    expect(r.result('conflict_check').has_conflicts).toBe(false);
    const { rows } = await db.query<{ body: string }>('SELECT body FROM documents WHERE id = $1', [r.result('generate_retainer').document_id]);
    expect(rows[0]!.body).toContain('Dear Sarah Lin,');
  });
});

describe('email_batch', () => {
  it('triages, summarises and finds deadlines in parallel, then digests them, urgent first', async () => {
    const r = await run('email_batch');
    expect(r.finish.status).toBe('completed');
    expect(ranInParallel(r.events, ['triage', 'summarize', 'find_deadlines'])).toBe(true);
    expect(r.result('fetch_emails').count).toBe(20);
    const digest = r.result('digest');
    expect(digest).toMatchObject({ title: 'Inbox digest', method: 'rules', sample_data: true });
    expect(digest.summary).toMatch(/Triage: 20 emails - \d+ high/);
    expect(digest.summary).toMatch(/20 emails from \d+ senders/);
    expect(digest.summary).toMatch(/the next is 2025-03-14/);
    expect(digest.highlights[0]).toMatch(/^Urgent: "URGENT: landlord says they will change the locks" from priya\.patel@mail\.example/);
    expect(digest.highlights.some((h: string) => /^Due 2025-03-14 \(in 2 days\)/.test(h))).toBe(true);
  });

  it('narrows the batch with a search', async () => {
    const r = await run('email_batch', { query: 'matter:SP-002', since: '30d' });
    expect(r.result('triage').count).toBe(3);
    expect(r.result('digest').summary).toMatch(/Triage: 3 emails/);
  });
});

describe('document_review', () => {
  it('finds the high risks of the sample MSA and leads the summary with them', async () => {
    const r = await run('document_review');
    expect(r.finish.status).toBe('completed');
    expect(ranInParallel(r.events, ['entities', 'issues'])).toBe(true);
    expect(r.result('analyze')).toMatchObject({ document_type: 'services agreement', parties: ['Northwind Software Inc.', 'Bluepeak Analytics Ltd.'] });
    expect(r.result('entities').by_type.organization).toEqual(['Northwind Software Inc.', 'Bluepeak Analytics Ltd.']);
    const issues = r.result('issues');
    expect(issues.risk_level).toBe('high');
    const summary = r.result('review_summary');
    expect(summary.title).toBe('Review: Master Services Agreement - Northwind Software / Bluepeak Analytics (draft v3) [SAMPLE]');
    expect(summary.summary).toMatch(/Risk level high: \d+ issues/);
    expect(summary.summary).toMatch(/missing clauses: governing law, dispute resolution/);
    expect(summary.highlights[0]).toBe(`High risk: ${issues.issues[0].title} - ${issues.issues[0].recommendation}`);
  });

  it('fails with not_found for an unknown document, and runs nothing after it', async () => {
    const r = await run('document_review', { document_id: 'nope' });
    expect(r.finish.status).toBe('failed');
    expect(r.tasks.fetch_document!.error).toMatchObject({ code: 'not_found' });
    expect(r.tasks.review_summary!.status).toBe('skipped');
  });
});

describe('billing_review', () => {
  it('sends the billing partner the anomalies to fix before invoicing', async () => {
    const r = await run('billing_review');
    expect(r.finish.status).toBe('completed');
    const scan = r.result('scan_time');
    expect(scan.totals).toMatchObject({ hours: 48.7, unbilled_amount: 5055 });
    const outbox = await outboxOf(r.executionId);
    expect(outbox).toHaveLength(1);
    expect(outbox[0]!.to_address).toBe('billing@sample-partners.example');
    expect(outbox[0]!.subject).toBe(`Billing review: ${scan.anomaly_count} entries to check before invoicing`);
    expect(outbox[0]!.body).toMatch(/^Billing review \(this_and_last_week\)/);
    expect(outbox[0]!.body).toContain('14.5 h in one entry');
    expect(outbox[0]!.body).toContain('two identical entries');
  });

  it('sends nothing when the period is clean', async () => {
    const r = await run('billing_review', { period: 'last_month' });
    expect(r.finish.status).toBe('completed');
    expect(r.result('scan_time').totals.entries).toBe(0);
    expect(r.tasks.alert_billing_partner).toMatchObject({ status: 'skipped' });
    expect(await outboxOf(r.executionId)).toHaveLength(0);
  });
});

describe('deadline_calendar', () => {
  it('puts every detected deadline on the calendar', async () => {
    const r = await run('deadline_calendar');
    expect(r.finish.status).toBe('completed');
    const deadlines = r.result('find_deadlines');
    const calendar = r.result('add_to_calendar');
    expect(calendar.count).toBe(deadlines.count);
    const { rows } = await db.query<{ title: string; ics: string }>('SELECT title, ics FROM calendar_events WHERE id = ANY($1::text[])', [
      calendar.events.map((e: { event_id: string }) => e.event_id),
    ]);
    expect(rows).toHaveLength(deadlines.count);
    const hearing = rows.find((e) => e.title.startsWith('Court date'))!;
    expect(hearing.ics).toContain('DTSTART:20250321T093000');
    expect(rows.every((e) => e.ics.startsWith('BEGIN:VCALENDAR\r\n'))).toBe(true);
    expect(r.result('calendar_summary').summary).toMatch(/Deadlines: \d+ upcoming dates; the next is 2025-03-14/);
  });

  it('books nothing when there are no deadlines', async () => {
    const r = await run('deadline_calendar', { query: 'from:news@legaltechweekly.example', since: '30d' });
    expect(r.finish.status).toBe('completed');
    expect(r.tasks.add_to_calendar).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/has_deadlines/) });
  });
});

describe('new_matter_opening', () => {
  it('opens the matter with its adverse party, letter, meeting and welcome email', async () => {
    const r = await run('new_matter_opening', {
      client_name: 'Ana Ruiz',
      client_email: 'ana.ruiz@mail.example',
      matter_title: 'Ruiz - security deposit claim',
      matter_type: 'landlord-tenant',
      description: 'your claim for the return of your security deposit',
      opposing_party: 'Oak Street Rentals LLC',
      kickoff_at: '2025-03-14T10:00',
    });
    expect(r.finish.status).toBe('completed');
    expect(ranInParallel(r.events, ['engagement_letter', 'kickoff_meeting', 'welcome_email'])).toBe(true);
    const matter = r.result('open_new_matter').matter;
    expect(matter).toMatchObject({ number: 'SP-007', status: 'open', matter_type: 'landlord-tenant', responsible_lawyer: 'Alice Morgan', hourly_rate: 400 });
    const { rows: parties } = await db.query('SELECT name FROM adverse_parties WHERE matter_id = $1', [matter.id]);
    expect(parties).toEqual([{ name: 'Oak Street Rentals LLC' }]);
    const { rows: client } = await db.query('SELECT status FROM clients WHERE email = $1', ['ana.ruiz@mail.example']);
    expect(client).toEqual([{ status: 'active' }]);

    const letter = r.result('engagement_letter');
    const { rows: docs } = await db.query<{ body: string; matter_id: string }>('SELECT body, matter_id FROM documents WHERE id = $1', [letter.document_id]);
    expect(docs[0]!.matter_id).toBe(matter.id);
    expect(docs[0]!.body).toContain('We will represent Ana Ruiz in connection with your claim for the return of your security deposit');
    expect(docs[0]!.body).toContain('involving you and Oak Street Rentals LLC, and found none');

    const { rows: events } = await db.query<{ ics: string }>('SELECT ics FROM calendar_events WHERE matter_id = $1', [matter.id]);
    expect(events[0]!.ics).toContain('SUMMARY:Kick-off: Ruiz - security deposit claim');
    expect(events[0]!.ics).toContain('ATTENDEE;RSVP=TRUE:mailto:ana.ruiz@mail.example');

    const outbox = await outboxOf(r.executionId);
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({ to_address: 'ana.ruiz@mail.example', subject: 'Your matter SP-007: Ruiz - security deposit claim' });

    // the new adverse party is seen by the next conflict check
    const next = await run('new_matter_opening', { client_name: 'Oak Street Rentals', client_email: 'office@oakstreet.example', matter_title: 'Oak Street - leases' });
    expect(next.result('conflict_check').has_conflicts).toBe(true);
  });

  it('stops on a conflict with a current client and tells the conflicts partner', async () => {
    const r = await run('new_matter_opening', {
      client_name: 'Brightwater Foods Inc.',
      client_email: 'legal@brightwaterfoods.example',
      matter_title: 'Brightwater - claim against Harbor Logistics',
      opposing_party: 'Harbor Logistics LLC',
    });
    expect(r.finish.status).toBe('completed');
    for (const id of ['client_record', 'open_new_matter', 'engagement_letter', 'kickoff_meeting', 'welcome_email']) expect(r.tasks[id]!.status, id).toBe('skipped');
    const outbox = await outboxOf(r.executionId);
    expect(outbox).toHaveLength(1);
    expect(outbox[0]!.to_address).toBe('conflicts@sample-partners.example');
    expect(outbox[0]!.body).toMatch(/current client "Harbor Logistics LLC"/);
    const { rows } = await db.query("SELECT 1 FROM matters WHERE title = 'Brightwater - claim against Harbor Logistics'");
    expect(rows).toHaveLength(0);
  });

  it('opens the matter without a meeting when no time is given', async () => {
    const r = await run('new_matter_opening', { client_name: 'Robert Chen', client_email: 'robert.chen@mail.example', matter_title: 'Chen - property purchase' });
    expect(r.finish.status).toBe('completed');
    expect(r.tasks.kickoff_meeting).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/kickoff_at != null/) });
    expect(r.result('open_new_matter').matter.client_id).toBe('sample-client-003');
  });
});

describe('legal_intake_reviewed', () => {
  const letters = async (name: string) => (await db.query("SELECT 1 FROM documents WHERE kind = 'retainer_letter' AND body LIKE $1", [`%${name}%`])).rows.length;

  it('stores the letter and emails the client only after a lawyer approves each, showing what will go out', async () => {
    const seen: Array<{ taskId: string; input: any; letters: number; outbox: number }> = [];
    let executionId = '';
    const before = await letters('Dear John Miller');
    const r = await run('legal_intake_reviewed', { client_email: 'john@example.com' }, async (request) => {
      executionId = request.executionId;
      seen.push({ taskId: request.taskId, input: request.input, letters: await letters('Dear John Miller'), outbox: (await outboxOf(request.executionId)).length });
      return { approved: true, by: 'lawyer' };
    });
    expect(r.finish.status).toBe('completed');
    expect(seen.map((s) => s.taskId)).toEqual(['generate_retainer', 'send_confirmation']);
    // asked about the letter before any was stored, about the email before any was queued
    expect(seen[0]).toMatchObject({ input: { client_name: 'John Miller', client_email: 'john@example.com', retainer_amount: 5000 }, letters: before, outbox: 0 });
    expect(seen[1]!.input).toMatchObject({ to: 'john@example.com', subject: 'Your request for representation' });
    expect(seen[1]!.input.body).toContain(r.result('generate_retainer').title);
    expect(seen[1]).toMatchObject({ letters: before + 1, outbox: 0 });
    const requests = r.events.filter((e) => e.type === 'task-approval-request');
    expect(requests.every((e) => e.type === 'task-approval-request' && e.expiresAt !== undefined)).toBe(true);
    expect(await outboxOf(executionId)).toHaveLength(1);
  });

  it('sends nothing when the lawyer denies the email: the letter and the record stand, the run is partial', async () => {
    const r = await run('legal_intake_reviewed', { client_email: 'john@example.com' }, async (request) =>
      request.taskId === 'send_confirmation' ? { approved: false, by: 'lawyer', reason: 'call the client first' } : { approved: true, by: 'lawyer' },
    );
    expect(r.finish.status).toBe('partial');
    expect(r.tasks.send_confirmation).toMatchObject({ status: 'failed', error: { code: 'denied', message: 'Denied by lawyer: call the client first' } });
    expect(r.tasks.update_client!.status).toBe('completed');
    expect(await outboxOf(r.executionId)).toHaveLength(0);
  });

  it('stores no letter and emails nobody when the lawyer denies the letter', async () => {
    const r = await run('legal_intake_reviewed', { client_email: 'john@example.com' }, async () => ({ approved: false, by: 'lawyer' }));
    expect(r.finish.status).toBe('failed');
    expect(r.tasks.generate_retainer).toMatchObject({ status: 'failed', error: { code: 'denied' } });
    for (const id of ['send_confirmation', 'update_client']) expect(r.tasks[id]!.status, id).toBe('skipped');
    expect(await outboxOf(r.executionId)).toHaveLength(0);
  });

  it('asks nothing for a conflict: the conflicts partner is told at once, as in legal_intake', async () => {
    const r = await run('legal_intake_reviewed', { client_email: 'd.whitaker@brightwaterfoods.example' }, async () => {
      throw new Error('nothing should need approval');
    });
    expect(r.finish.status).toBe('completed');
    expect(r.events.some((e) => e.type === 'task-approval-request')).toBe(false);
    expect(await outboxOf(r.executionId)).toMatchObject([{ to_address: 'conflicts@sample-partners.example' }]);
  });
});
