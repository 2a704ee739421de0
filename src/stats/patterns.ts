import type { Row } from '../store/index.js';
import { SESSION_GAP_MS } from '../store/index.js';
import { createTimeZoneMath, dowOfDay, MS_PER_DAY, type TimeZoneMath } from '../time.js';
import { add, type Range, type StatsContext } from './context.js';

export function createPatternStats({ store, sql, accountFilter, coversAll }: StatsContext) {
  /**
   * Plays and listening ms by weekday (0 = Monday) × hour of day in `timeZone`. The configured zone
   * uses the stored local buckets (or the hourly rollup for all time); any other zone is computed per stream.
   */
  function heatmap(range: Range, timeZone: string): { plays: number[][]; skips: number[][]; ms_played: number[][] } {
    const acc = accountFilter(range);
    const plays = Array.from({ length: 7 }, () => new Array<number>(24).fill(0));
    const skips = Array.from({ length: 7 }, () => new Array<number>(24).fill(0));
    const ms = Array.from({ length: 7 }, () => new Array<number>(24).fill(0));
    if (timeZone === store.tz.timeZone) {
      if (coversAll(range)) {
        for (const [dow, hour, p, k, m] of sql.values(`SELECT local_dow, local_hour, sum(plays), sum(skips), sum(ms_played) FROM hourly_stats
            WHERE 1 = 1${acc.clause} GROUP BY 1, 2`, acc.params) as number[][]) {
          add(plays, dow!, hour!, p!); add(skips, dow!, hour!, k!); add(ms, dow!, hour!, m!);
        }
      } else {
        for (const [day, hour, p, k, m] of sql.values(`SELECT local_day, local_hour, sum(kind = 1), sum(kind = 2), sum(ms_played) FROM streams
            WHERE ended_at BETWEEN ? AND ? AND content = 0${acc.clause} GROUP BY 1, 2`, [range.from, range.to, ...acc.params]) as number[][]) {
          const dow = dowOfDay(day!);
          add(plays, dow, hour!, p!); add(skips, dow, hour!, k!); add(ms, dow, hour!, m!);
        }
      }
      return { plays, skips, ms_played: ms };
    }
    // Another zone: aggregate by UTC hour in SQL (offsets change on whole hours), map each hour in JS.
    const tz: TimeZoneMath = createTimeZoneMath(timeZone);
    for (const [hourIndex, p, k, m] of sql.values(`SELECT ended_at / 3600000, sum(kind = 1), sum(kind = 2), sum(ms_played) FROM streams
        WHERE ended_at BETWEEN ? AND ? AND content = 0${acc.clause} GROUP BY 1`, [range.from, range.to, ...acc.params]) as number[][]) {
      const b = tz.buckets(hourIndex! * 3_600_000);
      add(plays, b.dow, b.hour, p!); add(skips, b.dow, b.hour, k!); add(ms, b.dow, b.hour, m!);
    }
    return { plays, skips, ms_played: ms };
  }

  /** Sessions (PRODUCT.md: plays with gaps <= 20 min) ending in the range, newest first, with a summary (aggregated in SQL). */
  function sessions(range: Range, limit: number) {
    const acc = accountFilter(range);
    const where = `ended_at BETWEEN ? AND ?${acc.clause}`;
    const params = [range.from, range.to, ...acc.params];
    const edges = [15, 30, 60, 120, 240];
    const buckets = edges.map((e, i) => `sum(ended_at - started_at >= ${(i === 0 ? 0 : edges[i - 1]!) * 60_000} AND ended_at - started_at < ${e * 60_000})`);
    buckets.push(`sum(ended_at - started_at >= ${edges.at(-1)! * 60_000})`);
    const summary = sql.values(`SELECT count(*), coalesce(sum(ended_at - started_at), 0), ${buckets.join(', ')} FROM sessions WHERE ${where}`, params)[0] as number[];
    const toRow = (r: Row) => ({ account: store.catalog.accountName(r.account_id as number), started_at: r.started_at as number,
      ended_at: r.ended_at as number, plays: r.plays as number, ms_played: r.ms_played as number });
    const longest = sql.get(`SELECT * FROM sessions WHERE ${where} ORDER BY ended_at - started_at DESC LIMIT 1`, params);
    const count = summary[0] ?? 0;
    const total = summary[1] ?? 0;
    return {
      gap_ms: SESSION_GAP_MS,
      count,
      total_ms: total,
      average_ms: count ? Math.round(total / count) : 0,
      longest: longest ? toRow(longest) : null,
      distribution: [...edges, null].map((edge, i) => ({ min_minutes: i === 0 ? 0 : edges[i - 1]!, max_minutes: edge, count: summary[i + 2] ?? 0 })),
      sessions: sql.all(`SELECT * FROM sessions WHERE ${where} ORDER BY ended_at DESC LIMIT ?`, [...params, limit]).map(toRow),
    };
  }

  /**
   * Discoveries: first plays of artists and tracks (from track_stats.first_at), per month of the
   * configured zone, and how many fall in the range.
   */
  function discoveries(range: Range) {
    const acc = accountFilter(range);
    const clause = acc.clause.replace('account_id', 'ts.account_id');
    const tracks = sql.values(`SELECT min(ts.first_at) FROM track_stats ts WHERE ts.plays > 0${clause} GROUP BY ts.track_id`, acc.params);
    const artists = sql.values(`SELECT min(ts.first_at) FROM track_stats ts JOIN tracks t ON t.id = ts.track_id
      WHERE ts.plays > 0 AND t.artist_id IS NOT NULL${clause} GROUP BY t.artist_id`, acc.params);
    const months = new Map<string, { month: string; new_tracks: number; new_artists: number }>();
    const bump = (at: number, field: 'new_tracks' | 'new_artists') => {
      if (at < range.from || at > range.to) return false;
      const month = new Date(store.tz.dayOf(at) * MS_PER_DAY).toISOString().slice(0, 7);
      const entry = months.get(month) ?? { month, new_tracks: 0, new_artists: 0 };
      entry[field]++; months.set(month, entry);
      return true;
    };
    let newTracks = 0; let newArtists = 0;
    for (const [at] of tracks as number[][]) if (at != null && bump(at, 'new_tracks')) newTracks++;
    for (const [at] of artists as number[][]) if (at != null && bump(at, 'new_artists')) newArtists++;
    return { new_tracks: newTracks, new_artists: newArtists, months: [...months.values()].sort(byMonth) };
  }

  return { heatmap, sessions, discoveries };
}

/**
 * "YYYY-MM" keys in time order. A plain comparison of these ASCII strings gives it; localeCompare would
 * give the same but loads ICU's collation tables into a server that otherwise never needs them (1.7 MB
 * of RSS, measured).
 */
export const byMonth = (a: { month: string }, b: { month: string }): number => (a.month < b.month ? -1 : a.month > b.month ? 1 : 0);
