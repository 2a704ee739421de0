import { DateTime } from '../luxon.js';
import { dateOfDay } from '../time.js';
import type { StatsContext } from './context.js';
import type { Period } from './facts-period.js';

/** Rounds to `decimals` places (half away from zero, as Math.round does for positives). */
export function round(value: number, decimals = 0): number {
  const f = 10 ** decimals;
  return Math.sign(value) * Math.round(Math.abs(value) * f) / f;
}

/** a / b in percent, one decimal; null when b is 0. */
export function pct(a: number, b: number): number | null {
  return b === 0 ? null : round((a / b) * 100, 1);
}

/** ms → whole minutes. */
export const minutes = (ms: number): number => Math.round(ms / 60_000);

/** English weekday name of a local date (YYYY-MM-DD). */
export function weekday(date: string): string {
  return DateTime.fromISO(date, { zone: 'UTC' }).setLocale('en').weekdayLong!;
}

/**
 * Parts of the day by local hour (of a stream's end): night 0–5, morning 6–11, afternoon 12–17,
 * evening 18–23.
 */
export const DAY_PARTS = ['night', 'morning', 'afternoon', 'evening'] as const;
export type DayPart = (typeof DAY_PARTS)[number];
export const dayPartOf = (hour: number): DayPart => DAY_PARTS[Math.floor(hour / 6)]!;

interface Scope { accountId: number; period: Period; firstDay: number; lastDay: number }

/** Sessions, parts of the day, streaks, mood drift and outliers of one account's period. */
export function createFactParts({ store, sql }: StatsContext) {
  const nameOf = (trackId: number) => sql.get<{ name: string; artist: string | null }>(`SELECT t.name AS name, ar.name AS artist FROM tracks t
    LEFT JOIN artists ar ON ar.id = t.artist_id WHERE t.id = ?`, [trackId]) ?? { name: '?', artist: null };

  /** Sessions (PRODUCT.md: plays with gaps <= 20 min) that ended in the period: count, average, the longest. */
  function sessions({ accountId, period }: Scope) {
    const where = 'account_id = ? AND ended_at BETWEEN ? AND ?';
    const params = [accountId, period.from, period.to];
    const agg = sql.get<{ n: number; total: number | null }>(`SELECT count(*) AS n, sum(ended_at - started_at) AS total FROM sessions WHERE ${where}`, params)!;
    const longest = sql.get<{ started_at: number; ended_at: number; plays: number }>(`SELECT started_at, ended_at, plays FROM sessions WHERE ${where}
      ORDER BY ended_at - started_at DESC, ended_at LIMIT 1`, params);
    let longestFact = null;
    if (longest) {
      const local = DateTime.fromMillis(longest.started_at, { zone: store.tz.timeZone });
      const date = local.toISODate()!;
      longestFact = { minutes: minutes(longest.ended_at - longest.started_at), plays: longest.plays, date, weekday: weekday(date),
        start_time: local.toFormat('HH:mm'), day_part: dayPartOf(local.hour) };
    }
    return { count: agg.n, average_minutes: agg.n ? minutes((agg.total ?? 0) / agg.n) : 0, longest: longestFact };
  }

  /** Plays and listening time per part of the day, and the part with the most plays. */
  function dayParts({ accountId, period }: Scope, plays: number) {
    const parts = Object.fromEntries(DAY_PARTS.map((p) => [p, { plays: 0, listening_ms: 0 }])) as Record<DayPart, { plays: number; listening_ms: number }>;
    for (const [hour, p, ms] of sql.values(`SELECT local_hour, sum(kind = 1), sum(ms_played) FROM streams WHERE ended_at BETWEEN ? AND ?
        AND content = 0 AND account_id = ? GROUP BY 1`, [period.from, period.to, accountId]) as number[][]) {
      const part = parts[dayPartOf(hour!)];
      part.plays += p!; part.listening_ms += ms!;
    }
    const byPart = Object.fromEntries(DAY_PARTS.map((p) => [p, { plays: parts[p].plays, listening_minutes: minutes(parts[p].listening_ms),
      share_pct: pct(parts[p].plays, plays) }])) as Record<DayPart, { plays: number; listening_minutes: number; share_pct: number | null }>;
    const top = plays === 0 ? null : [...DAY_PARTS].sort((a, b) => parts[b].plays - parts[a].plays)[0]!;
    return { by_day_part: byPart, top_day_part: top };
  }

  /** Days with a play: how many, the longest run inside the period, the run that reaches its last day. */
  function streak({ accountId, firstDay, lastDay }: Scope) {
    const days = new Set(sql.values(`SELECT local_day FROM daily_stats WHERE account_id = ? AND plays > 0 AND local_day BETWEEN ? AND ?`,
      [accountId, firstDay - 3700, lastDay]).map((r) => r[0] as number));
    let longest = 0; let run = 0; let active = 0;
    for (let d = firstDay; d <= lastDay; d++) {
      if (days.has(d)) { run++; active++; longest = Math.max(longest, run); } else run = 0;
    }
    let atEnd = 0;
    for (let d = lastDay; days.has(d); d--) atEnd++;
    return { active_days: active, longest_days: longest, at_end_days: atEnd };
  }

  /**
   * Mood drift from the audio features of the plays whose tracks have an analysed file (src/stats/mood.ts):
   * means of energy, valence and danceability (0..1 shown as percent) and tempo (BPM) over the period, its
   * first and second half, and the previous period; the two tracks farthest from the period's centroid.
   * Null when no play of the period has features.
   */
  function mood({ accountId, period }: Scope) {
    const rows = sql.values(`SELECT s.ended_at, s.track_id, f.energy, f.valence, f.danceability, f.tempo_bpm FROM streams s
      JOIN (SELECT track_id, max(id) AS file_id FROM library_files WHERE status = 1 AND track_id IS NOT NULL GROUP BY track_id) lf ON lf.track_id = s.track_id
      JOIN audio_features f ON f.file_id = lf.file_id
      WHERE s.kind = 1 AND s.account_id = ? AND s.ended_at BETWEEN ? AND ? AND f.energy IS NOT NULL AND f.tempo_bpm IS NOT NULL`,
    [accountId, period.previous.from, period.to]) as number[][];
    const current = rows.filter((r) => r[0]! >= period.from);
    if (current.length === 0) return null;
    const mid = period.from + (period.to - period.from) / 2;
    const mean = (list: number[][], i: number, scale: number, decimals = 0) =>
      list.length === 0 ? null : round((list.reduce((a, r) => a + (r[i] ?? 0), 0) / list.length) * scale, decimals);
    const drift = (i: number, scale: number) => {
      const first = mean(current.filter((r) => r[0]! < mid), i, scale);
      const second = mean(current.filter((r) => r[0]! >= mid), i, scale);
      return { mean: mean(current, i, scale), first_half: first, second_half: second,
        change_first_to_second: first === null || second === null ? null : second - first,
        previous: mean(rows.filter((r) => r[0]! < period.from), i, scale) };
    };
    const centre = [2, 3, 4, 5].map((i) => current.reduce((a, r) => a + (r[i] ?? 0), 0) / current.length);
    const byTrack = new Map<number, number[]>();
    for (const r of current) byTrack.set(r[1]!, r);
    const far = [...byTrack.values()].map((r) => ({ r, d: Math.hypot(r[2]! - centre[0]!, (r[3] ?? 0) - centre[1]!, (r[4] ?? 0) - centre[2]!,
      (r[5]! - centre[3]!) / 200) })).sort((a, b) => b.d - a.d).slice(0, 2);
    const plays = sql.get<{ n: number }>('SELECT count(*) AS n FROM streams WHERE kind = 1 AND account_id = ? AND ended_at BETWEEN ? AND ?',
      [accountId, period.from, period.to])!.n;
    return {
      plays_with_features: current.length, coverage_pct: pct(current.length, plays),
      energy_pct: drift(2, 100), valence_pct: drift(3, 100), danceability_pct: drift(4, 100), tempo_bpm: drift(5, 1),
      outliers: far.map(({ r }) => { const n = nameOf(r[1]!); return { track: n.name, artist: n.artist, energy_pct: round(r[2]! * 100), tempo_bpm: round(r[5]!) }; }),
    };
  }

  /** The busiest day and the track played most often on one day. */
  function outliers({ accountId, period, firstDay, lastDay }: Scope) {
    const busiest = sql.get<{ day: number; plays: number; ms: number }>(`SELECT local_day AS day, plays, ms_played AS ms FROM daily_stats
      WHERE account_id = ? AND local_day BETWEEN ? AND ? AND plays > 0 ORDER BY plays DESC, local_day LIMIT 1`, [accountId, firstDay, lastDay]);
    const repeated = sql.get<{ track_id: number; day: number; n: number }>(`SELECT track_id, local_day AS day, count(*) AS n FROM streams
      WHERE ended_at BETWEEN ? AND ? AND account_id = ? AND kind = 1 GROUP BY track_id, local_day HAVING n >= 2 ORDER BY n DESC, local_day LIMIT 1`,
    [period.from, period.to, accountId]);
    const day = (d: number) => { const date = dateOfDay(d); return { date, weekday: weekday(date) }; };
    return {
      busiest_day: busiest ? { ...day(busiest.day), plays: busiest.plays, listening_minutes: minutes(busiest.ms) } : null,
      most_repeated: repeated ? { track: nameOf(repeated.track_id).name, artist: nameOf(repeated.track_id).artist, plays: repeated.n, ...day(repeated.day) } : null,
    };
  }

  /** The local day numbers of a period. */
  function scope(accountId: number, period: Period): Scope {
    return { accountId, period, firstDay: store.tz.dayOf(period.from), lastDay: store.tz.dayOf(period.to) };
  }

  return { scope, sessions, dayParts, streak, mood, outliers };
}

