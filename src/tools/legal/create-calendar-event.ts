import { z } from 'zod';
import { SapflowError } from '../../errors/index.js';
import { actOnce } from './act-once.js';
import { addDays } from './date-mentions.js';
import { getMatter } from './firm-records.js';
import { toIcsCalendar, type IcsEvent } from './ics.js';
import type { LegalDeps } from './legal-deps.js';
import { given, legalTool, optionalText } from './legal-tool.js';
import { hasSampleData } from './sample-flag.js';
import { stableId } from './stable-id.js';
import { truncate } from './text-summary.js';

const eventFields = {
  title: optionalText('What the event is'),
  starts_at: optionalText('ISO date-time (2025-03-14T09:30, with Z or an offset for an exact instant) or a date (2025-03-14) for an all-day event'),
  date: optionalText('YYYY-MM-DD, with `time`, instead of starts_at (as detect_deadlines returns)'),
  time: optionalText('HH:MM 24h, with `date`'),
  ends_at: optionalText('ISO date-time or date; default: starts_at + duration_minutes'),
  duration_minutes: z.number().int().min(5).max(24 * 60).nullish().describe('Length of a timed event (default 60)'),
  all_day: z.boolean().nullish().describe('An all-day event (default: true when only a date is given)'),
  location: optionalText('Where'),
  description: optionalText('Details; for a deadline, what is due'),
  matter_id: optionalText('The matter (id or number)'),
  reminder_minutes: z.number().int().min(0).max(60 * 24 * 14).nullish().describe('Reminder before the start (default: 1 day for all-day, 30 min for timed events)'),
  kind: optionalText('A deadline kind (court_date, filing, ...), used in the title when there is none'),
};

const eventItem = z.looseObject(eventFields);

const parameters = z.object({
  ...eventFields,
  attendees: z.array(z.email()).nullish().describe('Invitees'),
  events: z
    .array(eventItem)
    .nullish()
    .describe('Several events at once, e.g. the `deadlines` of detect_deadlines; each item takes the fields above'),
});

type EventInput = z.infer<typeof eventItem>;

export function createCreateCalendarEventTool(deps: LegalDeps) {
  return legalTool({
    name: 'create_calendar_event',
    description: 'Create calendar events (iCalendar VEVENT) for hearings, deadlines and meetings; one event, or many from a list such as detected deadlines. Returns each event id and the .ics text.',
    parameters,
    timeout: 30,
    retry_count: 1,
    run: (args, ctx) => actOnce(deps.db, 'create_calendar_event', ctx, async (db) => {
      const { events: list, attendees, ...single } = args;
      const inputs: EventInput[] = list?.length ? list : given(single.title) || given(single.starts_at) || given(single.date) ? [single] : [];
      if (!inputs.length) throw new SapflowError('invalid_arguments', 'create_calendar_event: give title and starts_at (or date), or events');
      const stamp = deps.now();
      const created = [];
      const icsEvents: IcsEvent[] = [];
      for (const [index, input] of inputs.entries()) {
        ctx.signal.throwIfAborted();
        const event = toEvent(input, index);
        const matterRef = given(input.matter_id) ?? given(args.matter_id);
        const matter = matterRef ? await getMatter(db, matterRef) : undefined;
        const id = stableId('event', ctx, index);
        const ics: IcsEvent = { ...event, uid: `${id}@sapflow`, stamp, attendees: attendees ?? [], organizer: deps.firm.email };
        const text = toIcsCalendar([ics]);
        const sample = (matter?.sample ?? false) || hasSampleData(input);
        const { rows } = await db.query<{ id: string }>(
          `INSERT INTO calendar_events (id, uid, title, description, location, starts_at, ends_at, all_day, matter_id, ics, created_by, sample)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
           ON CONFLICT (id) DO UPDATE SET id = calendar_events.id RETURNING id`,
          [id, ics.uid, event.title, event.description ?? null, event.location ?? null, event.start.toISOString(), event.end.toISOString(), event.allDay, matter?.id ?? null, text, ctx.user, sample],
        );
        icsEvents.push(ics);
        created.push({
          event_id: rows[0]!.id,
          uid: ics.uid,
          title: event.title,
          starts_at: event.allDay ? event.start.toISOString().slice(0, 10) : event.start.toISOString(),
          ends_at: event.allDay ? event.end.toISOString().slice(0, 10) : event.end.toISOString(),
          all_day: event.allDay,
          matter_id: matter?.id ?? null,
          sample,
        });
        ctx.progress({ processed: index + 1, total: inputs.length });
      }
      return {
        event_id: created[0]!.event_id,
        events: created,
        count: created.length,
        ics: toIcsCalendar(icsEvents),
        content_type: 'text/calendar',
        sample_data: created.some((e) => e.sample),
      };
    }),
  });
}

const KIND_TITLES: Record<string, string> = {
  court_date: 'Court date',
  filing: 'Filing deadline',
  response: 'Response due',
  signature: 'Signature deadline',
  payment: 'Payment due',
  expiry: 'Expires',
};

function toEvent(input: EventInput, index: number): Omit<IcsEvent, 'uid' | 'stamp'> {
  const where = `events[${index}]`;
  const date = given(input.date);
  const time = given(input.time);
  const startText = given(input.starts_at) ?? (date ? (time ? `${date}T${time}` : date) : undefined);
  if (!startText) throw new SapflowError('invalid_arguments', `create_calendar_event: ${where} needs starts_at or date`);
  const start = readTime(startText, where);
  const allDay = input.all_day ?? start.dateOnly;
  const minutes = input.duration_minutes ?? 60;
  const endText = given(input.ends_at);
  const end = endText ? readTime(endText, where).at : allDay ? addDays(start.at, 1) : new Date(start.at.getTime() + minutes * 60_000);
  if (end.getTime() <= start.at.getTime()) throw new SapflowError('invalid_arguments', `create_calendar_event: ${where} ends before it starts`);
  const description = given(input.description);
  const kind = given(input.kind);
  const title = given(input.title) ?? `${(kind && KIND_TITLES[kind]) ?? 'Deadline'}: ${truncate(description ?? 'see description', 80)}`;
  return {
    title,
    description: description ?? null,
    location: given(input.location) ?? null,
    start: start.at,
    end,
    allDay,
    floating: !allDay && !start.zoned,
    alarmMinutesBefore: input.reminder_minutes ?? (allDay ? 24 * 60 : 30),
  };
}

/** A date or date-time; without a zone the wall-clock time is kept as written (stored as if UTC). */
function readTime(text: string, where: string): { at: Date; dateOnly: boolean; zoned: boolean } {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(text.trim());
  const at = m ? new Date(m[2] ? `${m[1]}T${m[2]}:${m[3] ?? '00'}${m[4] ?? 'Z'}` : `${m[1]}T00:00:00Z`) : undefined;
  if (!m || !at || Number.isNaN(at.getTime())) {
    throw new SapflowError('invalid_arguments', `create_calendar_event: ${where}: "${text}" is not an ISO date or date-time`);
  }
  return { at, dateOnly: !m[2], zoned: Boolean(m[4]) };
}
