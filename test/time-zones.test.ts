import { expect } from 'chai';
import { buildCore, stream } from './support/core.js';
import { createTimeZoneMath, parseDateTime } from '../src/time.js';

/**
 * Expected instants come from the tz database as glibc's zdump prints it (`zdump -v -c 2023,2025
 * America/Santiago` …), not from Luxon: e.g. "Sun Sep  3 04:00:00 2023 UT = Sun Sep  3 01:00:00 2023 -03".
 */
const CASES = [
  // zone, the local date, when that local day starts (UTC), why
  { zone: 'America/Santiago', date: '2023-09-03', start: '2023-09-03T04:00:00Z', why: 'DST begins at 24:00: the day starts at 01:00' },
  { zone: 'America/Santiago', date: '2024-04-07', start: '2024-04-07T04:00:00Z', why: 'DST ends at 24:00: 23:00 comes twice the evening before' },
  { zone: 'America/Havana', date: '2024-03-10', start: '2024-03-10T05:00:00Z', why: 'DST begins at 00:00 (01:00 CDT)' },
  { zone: 'America/Asuncion', date: '2023-10-01', start: '2023-10-01T04:00:00Z', why: 'DST begins at 00:00 (01:00 -03)' },
  { zone: 'Asia/Kolkata', date: '2024-06-02', start: '2024-06-01T18:30:00Z', why: 'UTC+05:30' },
  { zone: 'America/St_Johns', date: '2024-03-10', start: '2024-03-10T03:30:00Z', why: 'UTC-03:30 before the change at 05:30 UTC' },
];
const dayNumber = (date: string) => Date.parse(`${date}T00:00:00Z`) / 86_400_000;

describe('time zones: day buckets, "today" and midnight in zones with DST at midnight and half-hour offsets', () => {
  for (const c of CASES) {
    it(`${c.zone} ${c.date}: ${c.why}`, async () => {
      const tz = createTimeZoneMath(c.zone);
      const start = Date.parse(c.start);
      expect(tz.startOfDay(dayNumber(c.date))).to.equal(start);
      expect(tz.dayOf(start)).to.equal(dayNumber(c.date));
      expect(tz.dayOf(start - 1)).to.equal(dayNumber(c.date) - 1, 'one ms before is the day before');
      // Through the store: a play just after local midnight counts for that day, one just before for the day before.
      const core = await buildCore({ timeZone: c.zone });
      try {
        await core.ingest.record([stream(1, start - 60_000), stream(2, start + 60_000), stream(3, start + 3_600_000)]);
        const days = core.store.sql.all<{ d: number }>('SELECT local_day AS d FROM streams ORDER BY ended_at').map((r) => r.d);
        expect(days).to.deep.equal([dayNumber(c.date) - 1, dayNumber(c.date), dayNumber(c.date)]);
        const counters = core.stats.counters('default', start + 2 * 3_600_000);
        expect(counters.plays_today).to.equal(2);
        const before = core.stats.counters('default', start - 1);
        expect(before.plays_today).to.equal(1);
        expect(before.day_ends_at).to.equal(start, 'the counters roll over exactly at local midnight');
      } finally { await core.close(); }
    });
  }

  it('buckets the hour right inside a UTC hour where a half-hour zone changes offset (St. John\'s, 05:30 UTC)', () => {
    const tz = createTimeZoneMath('America/St_Johns');
    expect(tz.buckets(Date.parse('2024-03-10T05:15:00Z')).hour).to.equal(1, '01:45 NST');
    expect(tz.buckets(Date.parse('2024-03-10T05:45:00Z')).hour).to.equal(3, '03:15 NDT');
  });

  it('parses dates strictly: impossible dates are refused, zoneless ones are local time', () => {
    for (const bad of ['2024-02-30', '2023-02-29', '2024-13-01', '2024-01-01T24:00', '2024-01-01T23:60', '2024-01-01T10:00:61Z', '2024-1-1', 'yesterday']) {
      expect(parseDateTime(bad, 'Europe/Berlin'), bad).to.equal(null);
    }
    expect(parseDateTime('2024-02-29', 'Europe/Berlin')).to.equal(Date.parse('2024-02-28T23:00:00Z'));
    // UTC instants, as every export writes them (the fast path): checked against the calendar, not rolled over.
    for (const bad of ['2024-02-30T10:00:00Z', '2023-02-29T00:00:00Z', '2024-04-31T12:00:00Z', '2024-00-10T12:00:00Z']) expect(parseDateTime(bad, 'UTC'), bad).to.equal(null);
    expect(parseDateTime('2024-02-29T23:59:59.9999Z', 'Asia/Tokyo')).to.equal(Date.UTC(2024, 1, 29, 23, 59, 59, 999));
    expect(parseDateTime('2024-12-31T00:00:00Z', 'Europe/Berlin')).to.equal(1735603200000);
    expect(parseDateTime('0099-01-01T00:00:00Z', 'UTC')).to.equal(-59042995200000, 'a two-digit year is not 1999');
    expect(parseDateTime('2024-07-01T18:30', 'Europe/Berlin')).to.equal(Date.parse('2024-07-01T16:30:00Z'));
    expect(parseDateTime('2024-07-01T18:30:00+02:00', 'Asia/Tokyo')).to.equal(Date.parse('2024-07-01T16:30:00Z'));
    expect(parseDateTime('2023-09-03', 'America/Santiago')).to.equal(Date.parse('2023-09-03T04:00:00Z'), 'a day that starts at 01:00');
  });

  it('reads every export-style UTC stamp (YYYY-MM-DDTHH:MM:SSZ) as the calendar says, and as the same stamp with a fraction', () => {
    const pad = (n: number, w = 2) => String(n).padStart(w, '0');
    let checked = 0; let refused = 0;
    for (const year of [1000, 1582, 1900, 1999, 2000, 2023, 2024, 2100, 2400, 9999]) {
      for (let month = 0; month <= 13; month++) {
        for (const day of [0, 1, 15, 28, 29, 30, 31, 32]) {
          for (const [hour, minute, second] of [[0, 0, 0], [23, 59, 59], [24, 0, 0], [12, 60, 0], [12, 0, 60], [7, 5, 9]]) {
            const text = `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour!)}:${pad(minute!)}:${pad(second!)}Z`;
            // The definition: a month of 1–12, a day that JavaScript's own calendar gives that month, a time of day.
            const exists = month >= 1 && month <= 12 && day >= 1 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate()
              && hour! <= 23 && minute! <= 59 && second! <= 59;
            const expected = exists ? Date.UTC(year, month - 1, day, hour, minute, second) : null;
            expect(parseDateTime(text, 'Europe/Berlin'), text).to.equal(expected);
            expect(parseDateTime(text.replace('Z', '.0Z'), 'Europe/Berlin'), `${text} with a fraction`).to.equal(expected);
            checked++; if (!exists) refused++;
          }
        }
      }
    }
    expect(checked).to.equal(10 * 14 * 8 * 6);
    expect(refused).to.be.within(checked / 3, checked - 100);
    for (const other of ['2024-08-02T11:56:55+00:00', ' 2024-08-02T11:56:55Z', '2024-08-02 11:56:55Z', '2024-08-02T11:56:5xZ']) {
      expect(parseDateTime(other, 'UTC'), other).to.equal(other.includes('x') ? null : Date.UTC(2024, 7, 2, 11, 56, 55));
    }
  });
});
