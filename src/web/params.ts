import type { Request } from 'express';
import { BadParamError } from '../errors.js';
import { isTimeZone, parseDateTime } from '../time.js';

/** Reads a single query parameter as a string (repeated parameters are an error). */
function one(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new BadParamError(name, value, 'a single value');
  return value;
}

/**
 * A time parameter: ms since the epoch, or an ISO-8601 date / date-time ("2024-08-02",
 * "2024-08-02T11:56", "2024-08-02T11:56:55Z"). Without a zone it is local time in `timeZone` (the
 * configured one); a date alone is the start of that local day. Impossible dates (2024-02-30,
 * month 13, T24:00) are refused, never rolled over.
 * @throws BadParamError when it is none of these.
 */
export function timeParam(req: Request, name: string, fallback: number, timeZone: string): number {
  const value = one(req, name);
  if (value === undefined || value === '') return fallback;
  if (/^-?\d+$/.test(value)) return Number(value);
  const ms = parseDateTime(value, timeZone);
  if (ms !== null) return ms;
  throw new BadParamError(name, value, 'ms since the epoch or a real ISO-8601 date such as 2024-08-02 or 2024-08-02T18:30');
}

/**
 * The `from`/`to` range (default: all time up to now). A date-only `to` means the end of that local
 * day (to=2024-08-31 includes the 31st).
 * @throws BadParamError when from > to or a time is invalid.
 */
export function rangeParams(req: Request, now: number, timeZone: string): { from: number; to: number; account: string | undefined } {
  const from = timeParam(req, 'from', 0, timeZone);
  let to = timeParam(req, 'to', now, timeZone);
  const toText = typeof req.query.to === 'string' ? req.query.to : '';
  if (/^\d{4}-\d{2}-\d{2}$/.test(toText)) {
    const next = parseDateTime(nextDate(toText), timeZone);
    if (next !== null) to = next - 1;
  }
  if (from > to) throw new BadParamError('from', from, `a time not after to (${to})`);
  return { from, to, account: stringParam(req, 'account') };
}

function nextDate(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** An integer parameter within [min, max]. */
export function intParam(req: Request, name: string, fallback: number, min: number, max: number): number {
  const value = one(req, name);
  if (value === undefined || value === '') return fallback;
  if (!/^-?\d+$/.test(value)) throw new BadParamError(name, value, `an integer from ${min} to ${max}`);
  const n = Number(value);
  if (n < min || n > max) throw new BadParamError(name, n, `an integer from ${min} to ${max}`);
  return n;
}

/** One of a fixed set of values. */
export function enumParam<T extends string>(req: Request, name: string, allowed: readonly T[], fallback: T): T {
  const value = one(req, name);
  if (value === undefined || value === '') return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new BadParamError(name, value, `one of ${allowed.join(', ')}`);
  return value as T;
}

/** A free-text parameter (max 200 characters). */
export function stringParam(req: Request, name: string): string | undefined {
  const value = one(req, name);
  if (value === undefined || value === '') return undefined;
  if (value.length > 200) throw new BadParamError(name, `${value.slice(0, 20)}…`, 'at most 200 characters');
  return value;
}

/** An IANA time zone. */
export function timeZoneParam(req: Request, fallback: string): string {
  const value = one(req, 'tz');
  if (value === undefined || value === '') return fallback;
  if (isTimeZone(value)) return value;
  throw new BadParamError('tz', value, 'an IANA time zone such as Europe/Berlin');
}
