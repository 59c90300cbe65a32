/** A date written in free text, resolved to a calendar day (UTC). */
export interface DateMention {
  /** YYYY-MM-DD */
  date: string;
  /** HH:MM (24h) when a time is written next to the date. */
  time: string | null;
  /** The words as written, e.g. "March 14, 2025 at 9:30 AM" or "within 14 days". */
  text: string;
  index: number;
  /** Computed from the reference date ("tomorrow", "by Friday", "within 10 days") rather than written out. */
  relative: boolean;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH = '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?';
const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const NUMBER_WORDS: Record<string, number> = {
  one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  fourteen: 14, fifteen: 15, twenty: 20, thirty: 30, sixty: 60, ninety: 90,
};
const DAY_MS = 86_400_000;

interface Pattern {
  regex: RegExp;
  resolve(m: RegExpExecArray, reference: Date): Date | undefined;
  relative?: boolean;
}

const PATTERNS: Pattern[] = [
  {
    // March 14, 2025 / Mar. 14th / March 14 2025
    regex: new RegExp(`\\b${MONTH}\\s+(\\d{1,2})(?:st|nd|rd|th)?(?:,?\\s+(\\d{4}))?\\b`, 'gi'),
    resolve: (m, ref) => dayOf(yearOr(m[3], ref, monthIndex(m[1]!), Number(m[2])), monthIndex(m[1]!), Number(m[2])),
  },
  {
    // 14 March 2025 / 14th of March
    regex: new RegExp(`\\b(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH}(?:,?\\s+(\\d{4}))?\\b`, 'gi'),
    resolve: (m, ref) => dayOf(yearOr(m[3], ref, monthIndex(m[2]!), Number(m[1])), monthIndex(m[2]!), Number(m[1])),
  },
  { regex: /\b(\d{4})-(\d{2})-(\d{2})\b/g, resolve: (m) => dayOf(Number(m[1]), Number(m[2]) - 1, Number(m[3])) },
  // US style, as the sample firm writes
  { regex: /\b(\d{1,2})\/(\d{1,2})\/(\d{4})\b/g, resolve: (m) => dayOf(Number(m[3]), Number(m[1]) - 1, Number(m[2])) },
  {
    regex: /\b(today|tomorrow)\b/gi,
    relative: true,
    resolve: (m, ref) => addDays(startOfDay(ref), m[1]!.toLowerCase() === 'tomorrow' ? 1 : 0),
  },
  {
    regex: /\b(?:within|in)\s+(\d{1,3}|[a-z]+)\s+(business\s+|calendar\s+)?days?\b/gi,
    relative: true,
    resolve: (m, ref) => {
      const n = /^\d+$/.test(m[1]!) ? Number(m[1]) : NUMBER_WORDS[m[1]!.toLowerCase()];
      if (n === undefined) return undefined;
      return m[2]?.toLowerCase().startsWith('business') ? addBusinessDays(startOfDay(ref), n) : addDays(startOfDay(ref), n);
    },
  },
  {
    regex: /\b(?:by|on|this|next|until|before|due)\s+(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b/gi,
    relative: true,
    resolve: (m, ref) => {
      const target = WEEKDAYS.indexOf(m[1]!.toLowerCase());
      const ahead = (target - ref.getUTCDay() + 7) % 7 || 7;
      return addDays(startOfDay(ref), ahead);
    },
  },
];

const TIME_AFTER = /^[\s,]*(?:at\s+)?(\d{1,2})(?::(\d{2}))?\s*(a\.?m\.?|p\.?m\.?)|^[\s,]*(?:at\s+)?(\d{1,2}):(\d{2})\b/i;

/** Every date in `text`, in order of appearance; `reference` anchors relative ones (usually the email's date). */
export function findDateMentions(text: string, reference: Date): DateMention[] {
  const found: DateMention[] = [];
  for (const pattern of PATTERNS) {
    for (const m of text.matchAll(pattern.regex)) {
      const day = pattern.resolve(m as RegExpExecArray, reference);
      if (!day) continue;
      const end = m.index! + m[0].length;
      const time = TIME_AFTER.exec(text.slice(end, end + 20));
      found.push({
        date: day.toISOString().slice(0, 10),
        time: time ? toClock(time) : null,
        text: time ? text.slice(m.index!, end + time[0].length).trim() : m[0],
        index: m.index!,
        relative: pattern.relative ?? false,
      });
    }
  }
  // patterns can read overlapping words ("5 May 6, 2025"); the earliest, then the longest, wins
  found.sort((a, b) => a.index - b.index || b.text.length - a.text.length);
  const kept: DateMention[] = [];
  for (const mention of found) {
    const last = kept.at(-1);
    if (last && mention.index < last.index + last.text.length) continue;
    kept.push(mention);
  }
  return kept;
}

function toClock(m: RegExpExecArray): string | null {
  let hours = Number(m[1] ?? m[4]);
  const minutes = Number(m[2] ?? m[5] ?? 0);
  const meridiem = m[3]?.toLowerCase().replace(/\./g, '');
  if (meridiem === 'pm' && hours < 12) hours += 12;
  if (meridiem === 'am' && hours === 12) hours = 0;
  if (hours > 23 || minutes > 59) return null;
  return `${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`;
}

function monthIndex(name: string): number {
  return MONTHS.indexOf(name.slice(0, 3).toLowerCase());
}

/** A date written without a year is the next such day, allowing for mentions of the recent past. */
function yearOr(written: string | undefined, ref: Date, month: number, day: number): number {
  if (written) return Number(written);
  const year = ref.getUTCFullYear();
  const candidate = Date.UTC(year, month, day);
  return candidate < ref.getTime() - 60 * DAY_MS ? year + 1 : year;
}

function dayOf(year: number, month: number, day: number): Date | undefined {
  const date = new Date(Date.UTC(year, month, day));
  // rejects 31 April and friends, which Date.UTC would roll over
  if (date.getUTCMonth() !== month || date.getUTCDate() !== day || year < 1900 || year > 2200) return undefined;
  return date;
}

export function startOfDay(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
}

export function addDays(at: Date, days: number): Date {
  return new Date(at.getTime() + days * DAY_MS);
}

function addBusinessDays(at: Date, days: number): Date {
  let date = at;
  for (let left = days; left > 0; ) {
    date = addDays(date, 1);
    if (date.getUTCDay() !== 0 && date.getUTCDay() !== 6) left--;
  }
  return date;
}

/** Whole days from `from` to the day `date` (YYYY-MM-DD); negative when it has passed. */
export function daysUntil(date: string, from: Date): number {
  return Math.round((Date.parse(`${date}T00:00:00Z`) - startOfDay(from).getTime()) / DAY_MS);
}

const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "March 14, 2025", the way letters and mail write dates (UTC). */
export function longDate(date: Date): string {
  return `${MONTH_NAMES[date.getUTCMonth()]} ${date.getUTCDate()}, ${date.getUTCFullYear()}`;
}
