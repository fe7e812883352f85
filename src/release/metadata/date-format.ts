/**
 * Dates in moment's format tokens (`YYYYMMDD`, `YYYY-MM-DD HH:mm:ss Z`, `[text]`), in any IANA
 * time zone: what `{{date '…' tz='…'}}` writes in metadata-action's rules. Node's Intl holds
 * the zone data, so the time in a zone comes from it and the tokens are formatted here.
 */
import { TemplateError } from './template.js';

interface Fields {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
  weekday: number; // 0 = Sunday
  offsetMinutes: number;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function fieldsIn(date: Date, timeZone: string): Fields {
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    }).formatToParts(date);
  } catch {
    throw new TemplateError(`unknown time zone '${timeZone}' (expected an IANA zone such as Europe/Paris or UTC)`);
  }
  const part = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const f = {
    year: part('year'),
    month: part('month'),
    day: part('day'),
    hour: part('hour'),
    minute: part('minute'),
    second: part('second'),
  };
  const asUtc = Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second);
  const offsetMinutes = Math.round((asUtc - Math.floor(date.getTime() / 1000) * 1000) / 60_000);
  return { ...f, ms: date.getUTCMilliseconds(), weekday: new Date(asUtc).getUTCDay(), offsetMinutes };
}

const pad = (n: number, width = 2): string => String(Math.abs(n)).padStart(width, '0');

function offset(minutes: number, colon: boolean): string {
  const sign = minutes < 0 ? '-' : '+';
  return `${sign}${pad(Math.floor(Math.abs(minutes) / 60))}${colon ? ':' : ''}${pad(Math.abs(minutes) % 60)}`;
}

function ordinal(n: number): string {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

function dayOfYear(f: Fields): number {
  return Math.round((Date.UTC(f.year, f.month - 1, f.day) - Date.UTC(f.year, 0, 1)) / 86_400_000) + 1;
}

type TokenWriter = (f: Fields, date: Date) => string;
const TOKENS: Record<string, TokenWriter> = {
  YYYY: (f) => pad(f.year, 4),
  YY: (f) => pad(f.year % 100),
  Q: (f) => String(Math.ceil(f.month / 3)),
  MMMM: (f) => MONTHS[f.month - 1]!,
  MMM: (f) => MONTHS[f.month - 1]!.slice(0, 3),
  MM: (f) => pad(f.month),
  M: (f) => String(f.month),
  DDDD: (f) => pad(dayOfYear(f), 3),
  DDD: (f) => String(dayOfYear(f)),
  DD: (f) => pad(f.day),
  Do: (f) => ordinal(f.day),
  D: (f) => String(f.day),
  dddd: (f) => DAYS[f.weekday]!,
  ddd: (f) => DAYS[f.weekday]!.slice(0, 3),
  dd: (f) => DAYS[f.weekday]!.slice(0, 2),
  d: (f) => String(f.weekday),
  E: (f) => String(f.weekday === 0 ? 7 : f.weekday),
  HH: (f) => pad(f.hour),
  H: (f) => String(f.hour),
  hh: (f) => pad(f.hour % 12 || 12),
  h: (f) => String(f.hour % 12 || 12),
  kk: (f) => pad(f.hour || 24),
  k: (f) => String(f.hour || 24),
  mm: (f) => pad(f.minute),
  m: (f) => String(f.minute),
  ss: (f) => pad(f.second),
  s: (f) => String(f.second),
  SSS: (f) => pad(f.ms, 3),
  SS: (f) => pad(Math.floor(f.ms / 10)),
  S: (f) => String(Math.floor(f.ms / 100)),
  A: (f) => (f.hour < 12 ? 'AM' : 'PM'),
  a: (f) => (f.hour < 12 ? 'am' : 'pm'),
  ZZ: (f) => offset(f.offsetMinutes, false),
  Z: (f) => offset(f.offsetMinutes, true),
  X: (_f, date) => String(Math.floor(date.getTime() / 1000)),
  x: (_f, date) => String(date.getTime()),
};

// Longest tokens first, so YYYY is not read as YY YY; `[…]` is literal text.
const TOKEN_RE = new RegExp(
  `\\[[^\\]]*\\]|${Object.keys(TOKENS)
    .sort((a, b) => b.length - a.length)
    .join('|')}`,
  'g',
);

/** moment's format when none is given; at offset zero moment writes the offset as Z. */
export const DEFAULT_DATE_FORMAT = 'YYYY-MM-DDTHH:mm:ssZ';

/** Pure: `date` written in moment's `format`, as the clock reads in `timeZone`. */
export function formatDate(date: Date, format: string, timeZone = 'UTC'): string {
  const f = fieldsIn(date, timeZone);
  if (format === DEFAULT_DATE_FORMAT && f.offsetMinutes === 0) format = 'YYYY-MM-DDTHH:mm:ss[Z]';
  return format.replace(TOKEN_RE, (token) => (token.startsWith('[') ? token.slice(1, -1) : TOKENS[token]!(f, date)));
}
