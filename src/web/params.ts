import type { Request } from 'express';
import { BadParamError } from '../errors.js';

/** Reads a single query parameter as a string (repeated parameters are an error). */
function one(req: Request, name: string): string | undefined {
  const value = req.query[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new BadParamError(name, value, 'a single value');
  return value;
}

/**
 * A time parameter: ms since the epoch, or an ISO-8601 date/time ("2024-08-02", "2024-08-02T11:56:55Z").
 * @throws BadParamError when it is neither.
 */
export function timeParam(req: Request, name: string, fallback: number): number {
  const value = one(req, name);
  if (value === undefined || value === '') return fallback;
  if (/^-?\d+$/.test(value)) return Number(value);
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) {
    const ms = Date.parse(value);
    if (Number.isFinite(ms)) return ms;
  }
  throw new BadParamError(name, value, 'ms since the epoch or an ISO-8601 date such as 2024-08-02');
}

/** The `from`/`to` range (default: all time up to now). @throws BadParamError when from > to. */
export function rangeParams(req: Request, now: number): { from: number; to: number; account: string | undefined } {
  const from = timeParam(req, 'from', 0);
  const to = timeParam(req, 'to', now);
  if (from > to) throw new BadParamError('from', from, `a time not after to (${to})`);
  return { from, to, account: stringParam(req, 'account') };
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
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return value;
  } catch {
    throw new BadParamError('tz', value, 'an IANA time zone such as Europe/Berlin');
  }
}
