/**
 * Calendar math in an IANA time zone with Intl only (no library): the zone's civil date of an instant,
 * and the instant a civil date starts. Dates are YYYY-MM-DD strings.
 */
const formats = new Map<string, Intl.DateTimeFormat>();
function parts(ms: number, zone: string): Record<string, number> {
  let f = formats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formats.set(zone, f);
  }
  const out: Record<string, number> = {};
  for (const p of f.formatToParts(new Date(ms))) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return out;
}

/** The zone's UTC offset at an instant, ms (positive east). */
export function offsetMs(ms: number, zone: string): number {
  const p = parts(ms, zone);
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!) - Math.floor(ms / 1000) * 1000;
}

/** The civil date (YYYY-MM-DD) of an instant in the zone. */
export function dateIn(ms: number, zone: string): string {
  const p = parts(ms, zone);
  return `${String(p.year).padStart(4, '0')}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** The instant a civil date starts in the zone (its first existing minute where a DST change skips midnight). */
export function startOf(date: string, zone: string): number {
  const utc = Date.parse(`${date}T00:00:00Z`);
  let guess = utc - offsetMs(utc, zone);
  guess = utc - offsetMs(guess, zone);
  // Midnight may not exist (DST at 00:00): step forward to the first minute of that date.
  while (dateIn(guess, zone) < date) guess += 15 * 60_000;
  while (dateIn(guess - 60_000, zone) === date) guess -= 60_000;
  return guess;
}

/** A civil date moved by whole days / months. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`); d.setUTCDate(d.getUTCDate() + days); return d.toISOString().slice(0, 10);
}
export function addMonths(date: string, months: number): string {
  const d = new Date(`${date}T00:00:00Z`); d.setUTCMonth(d.getUTCMonth() + months); return d.toISOString().slice(0, 10);
}
