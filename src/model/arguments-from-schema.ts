type JsonSchema = Record<string, any>;

export interface ArgumentsContext {
  /** The part of the request that named the tool; read first. */
  clause: string;
  /** The whole request, for values the clause does not carry (an email named once for several tools). */
  request: string;
  now: Date;
}

interface Found {
  value: unknown;
  /** The request itself supplied it, so it is worth sending even for an optional field. */
  specific: boolean;
}

const EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;
const ISO_DATE = /\b\d{4}-\d{2}-\d{2}\b/g;
const TEXT_FIELD = /(^|_)(query|search|text|question|prompt|request|content|body|instructions?|description|topic|message|notes?|subject|summary|document|title)(_|$)/;
const NAME_FIELD = /(^|_)(name|client|party|parties|person|company|matter|counterparty)(_|$)/;
const DATE_FIELD = /(^|_)(date|day|since|until|deadline|due|start|end|after|before|from|to)(_|$)|_(at|on)$/;
const COUNT_FIELD = /(^|_)(max|limit|count|top|number|results|days|hours|size)(_|$)/;

/**
 * Arguments for a tool, built from its JSON Schema and the words of the request: required fields always (emails
 * from the text, dates from "today" / "this week" / ISO dates, numbers, enum values named in the text, defaults,
 * else a sensible string), optional fields only when the request supplies a specific value. Deterministic.
 */
export function argumentsFromSchema(schema: JsonSchema | undefined, context: ArgumentsContext): Record<string, unknown> {
  return objectFrom(schema ?? {}, context);
}

function objectFrom(schema: JsonSchema, context: ArgumentsContext): Record<string, unknown> {
  const properties: Record<string, JsonSchema> = schema.properties ?? {};
  const required = new Set<string>(Array.isArray(schema.required) ? schema.required : []);
  const out: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(properties)) {
    const found = valueFor(name, resolve(property), context);
    if (required.has(name) || found.specific) out[name] = found.value;
  }
  return out;
}

/** The branch of a nullable / union schema worth filling. */
function resolve(schema: JsonSchema): JsonSchema {
  const branches: JsonSchema[] | undefined = schema.anyOf ?? schema.oneOf;
  const branch = branches?.find((b) => b.type !== 'null') ?? schema;
  const type = Array.isArray(branch.type) ? branch.type.find((t: string) => t !== 'null') : branch.type;
  return { ...branch, type: type ?? (branch.properties ? 'object' : branch.enum ? typeof branch.enum[0] : 'string') };
}

function valueFor(name: string, schema: JsonSchema, context: ArgumentsContext): Found {
  const key = name.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  const texts = [context.clause, context.request];
  if (schema.const !== undefined) return { value: schema.const, specific: false };
  if (Array.isArray(schema.enum) && schema.enum.length > 0) {
    const named = texts
      .map((t) => schema.enum.find((option: unknown) => mentions(t, String(option))))
      .find((option) => option !== undefined);
    if (named !== undefined) return { value: named, specific: true };
    return { value: schema.default ?? schema.enum[0], specific: false };
  }
  switch (schema.type) {
    case 'boolean':
      return { value: schema.default ?? false, specific: false };
    case 'integer':
    case 'number': {
      const number = COUNT_FIELD.test(key) ? firstNumber(context.clause) : undefined;
      const fallback = schema.default ?? (COUNT_FIELD.test(key) ? 10 : (schema.minimum ?? 1));
      const value = clamp(number ?? fallback, schema);
      return { value: schema.type === 'integer' ? Math.round(value) : value, specific: number !== undefined };
    }
    case 'array': {
      const items = resolve(schema.items ?? {});
      if (isEmailField(key, items)) {
        const emails = allEmails(texts);
        if (emails.length > 0) return { value: emails, specific: true };
      }
      if (NAME_FIELD.test(key) && properNouns(context.clause).length > 0) return { value: properNouns(context.clause), specific: true };
      const minimum = schema.minItems ?? 0;
      return { value: minimum > 0 ? [valueFor(key.replace(/s$/, ''), items, context).value] : (schema.default ?? []), specific: false };
    }
    case 'object':
      return { value: objectFrom(schema, context), specific: false };
    default:
      return stringFor(key, schema, context);
  }
}

function stringFor(key: string, schema: JsonSchema, context: ArgumentsContext): Found {
  const texts = [context.clause, context.request];
  const emails = allEmails(texts);
  const addressField = /^(from|to)$/.test(key) && (emails.length > 0 || /e-?mail/i.test(String(schema.description ?? '')));
  if (isEmailField(key, schema) || addressField) {
    return emails[0] ? { value: emails[0], specific: true } : { value: schema.default ?? 'client@example.com', specific: false };
  }
  if (schema.format === 'date' || schema.format === 'date-time' || DATE_FIELD.test(key)) {
    const which = /(^|_)(end|until|to|before|due|deadline)(_|$)/.test(key) ? 'end' : 'start';
    const found = texts.map((t) => dateIn(t, context.now, which)).find((d) => d !== undefined);
    const date = found ?? isoDay(context.now);
    const value = schema.format === 'date-time' ? `${date}T${which === 'end' ? '23:59:59' : '00:00:00'}Z` : date;
    return { value, specific: found !== undefined };
  }
  if (schema.default !== undefined) return { value: schema.default, specific: false };
  if (TEXT_FIELD.test(key)) return { value: context.clause, specific: false };
  if (/(^|_)id$/.test(key)) {
    const id = /\b(?:[A-Z]{1,5}-\d+|\d{3,})\b/.exec(context.clause)?.[0];
    return id ? { value: id, specific: true } : { value: 'sample-1', specific: false };
  }
  if (NAME_FIELD.test(key)) {
    const [noun] = properNouns(context.clause);
    return noun ? { value: noun, specific: true } : { value: 'Sample Client', specific: false };
  }
  return { value: context.clause, specific: false };
}

function isEmailField(key: string, schema: JsonSchema): boolean {
  return schema.format === 'email' || (/email|recipient|sender/.test(key) && !/content|body|text|subject|id$/.test(key));
}

/** Whether the text names an option: `this_week` is named by "this week". */
function mentions(text: string, option: string): boolean {
  const words = option.toLowerCase().split(/[\s_-]+/).filter(Boolean).map(escape);
  return words.length > 0 && new RegExp(`\\b${words.join('[\\s_-]+')}\\b`, 'i').test(text);
}

function dateIn(text: string, now: Date, which: 'start' | 'end'): string | undefined {
  const lower = text.toLowerCase();
  const iso = text.match(ISO_DATE);
  if (iso) return which === 'start' ? iso[0] : iso.at(-1);
  const day = (offset: number) => isoDay(new Date(now.getFullYear(), now.getMonth(), now.getDate() + offset));
  const monday = -((now.getDay() + 6) % 7);
  if (/\byesterday\b/.test(lower)) return day(-1);
  if (/\btomorrow\b/.test(lower)) return day(1);
  if (/\btoday\b/.test(lower)) return day(0);
  if (/\blast week\b/.test(lower)) return day(which === 'start' ? monday - 7 : monday - 1);
  if (/\b(this|current) week\b/.test(lower)) return day(which === 'start' ? monday : monday + 6);
  if (/\bnext week\b/.test(lower)) return day(which === 'start' ? monday + 7 : monday + 13);
  const month = (offset: number) =>
    which === 'start'
      ? isoDay(new Date(now.getFullYear(), now.getMonth() + offset, 1))
      : isoDay(new Date(now.getFullYear(), now.getMonth() + offset + 1, 0));
  if (/\blast month\b/.test(lower)) return month(-1);
  if (/\b(this|current) month\b/.test(lower)) return month(0);
  return undefined;
}

/** A local calendar day, as a law firm means "today". */
function isoDay(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function allEmails(texts: string[]): string[] {
  return [...new Set(texts.flatMap((t) => t.match(EMAIL) ?? []))];
}

function firstNumber(text: string): number | undefined {
  const match = /(?<![\w.-])\d+(?:\.\d+)?(?![\w.-])/.exec(text.replace(EMAIL, ' ').replace(ISO_DATE, ' '));
  return match ? Number(match[0]) : undefined;
}

/** Capitalised word runs ("Acme Corp", "John Smith"), not counting the clause's first word. */
function properNouns(clause: string): string[] {
  const runs = clause.replace(EMAIL, ' ').match(/\b[A-Z][\w&'-]*(?:\s+[A-Z][\w&'-]*)*/g) ?? [];
  const first = clause.trim().split(/\s+/)[0];
  return runs
    .map((run, i) => (i === 0 && clause.trim().startsWith(run) && first ? run.slice(first.length).trim() : run))
    .filter((run) => run.length > 1 && run !== run.toUpperCase());
}

function clamp(value: number, schema: JsonSchema): number {
  const low = schema.minimum ?? -Infinity;
  const high = schema.maximum ?? Infinity;
  return Math.min(high, Math.max(low, value));
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
