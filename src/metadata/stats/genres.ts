import type { Range, StatsContext } from '../../stats/index.js';
import { MS_PER_DAY, dowOfDay } from '../../time.js';
import { coverage, perTrack, type Coverage } from './common.js';
import type { TrackFactsCache } from './track-facts.js';
import type { GenreDays } from './genre-days.js';

/** One row of the top genres. `previous_rank`: the genre's rank in the period of equal length just before (null: unranked there, or all time). */
export interface TopGenre { genre: string; genre_mbid: string | null; plays: number; ms_played: number; rank: number; previous_rank: number | null }

/** One bucket of the genre timeline: `shares` per genre (the top genres and "other") sum to 1 over the plays that have genres. */
export interface GenreBucket { start: string; plays: number; plays_with_genre: number; shares: Record<string, number> }

/** The name used for the genres outside the timeline's top list. */
export const OTHER = 'other';

/**
 * Genre statistics (see derive.ts for which genres a track has and their weights). Top genres: a
 * play counts ONCE in each genre of its track, so a genre's `plays` is the number of plays of
 * tracks with that genre (the sum over genres exceeds the plays). Timeline: each play is split over
 * its genres by weight, so a bucket's shares add up to 1.
 */
export function createGenreStats(ctx: StatsContext, facts: TrackFactsCache, genreDays: GenreDays) {
  const { sql, store } = ctx;

  function ranked(range: Range, by: 'plays' | 'ms'): { items: TopGenre[]; coverage: Coverage } {
    const rows = perTrack(ctx, range);
    const f = facts.get();
    const totals = new Map<number, { plays: number; ms: number }>();
    for (const r of rows) {
      for (const g of f.genres.get(r.track_id) ?? []) {
        const e = totals.get(g.tag_id) ?? { plays: 0, ms: 0 };
        e.plays += r.plays; e.ms += r.ms;
        totals.set(g.tag_id, e);
      }
    }
    const sorted = [...totals].sort((a, b) => (by === 'plays' ? b[1].plays - a[1].plays || b[1].ms - a[1].ms : b[1].ms - a[1].ms || b[1].plays - a[1].plays) || a[0] - b[0]);
    const items = sorted.map(([tag, e], i) => ({ genre: f.tags.get(tag)?.name ?? '?', genre_mbid: f.tags.get(tag)?.genre_mbid ?? null,
      plays: e.plays, ms_played: e.ms, rank: i + 1, previous_rank: null as number | null }));
    return { items, coverage: coverage(rows, (t) => f.genres.has(t)) };
  }

  /**
   * Top genres of a range by plays or listening time, with each genre's rank in the previous period
   * of the same length (none for all time).
   */
  function topGenres(range: Range, limit: number, by: 'plays' | 'ms'): { items: TopGenre[]; coverage: Coverage } {
    const { items, coverage: cov } = ranked(range, by);
    const top = items.slice(0, limit);
    if (!ctx.coversAll(range) && range.from > 0) {
      const span = range.to - range.from + 1;
      const before = new Map(ranked({ from: range.from - span, to: range.from - 1, account: range.account }, by).items.map((g) => [g.genre, g.rank]));
      for (const g of top) g.previous_rank = before.get(g.genre) ?? null;
    }
    return { items: top, coverage: cov };
  }

  /** Genre-weighted plays per local day in the range: the in-memory rollup when the range is whole days (or all time), else the streams. */
  function weightedByDay(range: Range): Map<number, Map<number, number>> {
    const acc = ctx.accountFilter(range);
    const tz = store.tz;
    const firstDay = tz.dayOf(range.from);
    const lastDay = tz.dayOf(range.to);
    const whole = ctx.coversAll(range) || (tz.startOfDay(firstDay) === range.from && tz.startOfDay(lastDay + 1) - 1 <= range.to);
    const out = new Map<number, Map<number, number>>();
    const merge = (day: number, tag: number, w: number) => {
      let m = out.get(day);
      if (!m) { m = new Map(); out.set(day, m); }
      m.set(tag, (m.get(tag) ?? 0) + w);
    };
    if (whole) {
      for (const [account, days] of genreDays.current()) {
        if (acc.params.length > 0 && account !== acc.params[0]) continue;
        for (const [day, tags] of days) if (day >= firstDay && day <= lastDay) for (const [tag, w] of tags) merge(day, tag, w);
      }
      return out;
    }
    const genres = facts.get().genres;
    for (const [day, track, n] of sql.values(`SELECT local_day, track_id, count(*) FROM streams WHERE ended_at BETWEEN ? AND ? AND kind = 1${acc.clause}
      GROUP BY local_day, track_id`, [range.from, range.to, ...acc.params]) as number[][]) {
      for (const g of genres.get(track!) ?? []) merge(day!, g.tag_id, g.weight * n!);
    }
    return out;
  }

  /**
   * Each genre's share of the plays per ISO week (Monday start) or month, in the configured zone; the
   * `top` genres of the range by weighted plays are named, the rest are summed as "other".
   */
  function genreTimeline(range: Range, bucket: 'week' | 'month', top: number): { genres: string[]; buckets: GenreBucket[] } {
    const acc = ctx.accountFilter(range);
    const byDay = weightedByDay(range);
    const f = facts.get();
    const keyOf = (day: number) => {
      const first = bucket === 'week' ? day - dowOfDay(day) : day;
      const date = new Date(first * MS_PER_DAY).toISOString().slice(0, 10);
      return bucket === 'month' ? `${date.slice(0, 7)}-01` : date;
    };
    const totals = new Map<number, number>();
    for (const tags of byDay.values()) for (const [tag, w] of tags) totals.set(tag, (totals.get(tag) ?? 0) + w);
    const named = [...totals].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, top).map(([id]) => id);
    const namedSet = new Set(named);
    const out = new Map<string, { start: string; plays: number; weighted: Map<string, number> }>();
    const entry = (day: number) => {
      const key = keyOf(day);
      let e = out.get(key);
      if (!e) { e = { start: key, plays: 0, weighted: new Map() }; out.set(key, e); }
      return e;
    };
    const days = ctx.coversAll(range)
      ? sql.values(`SELECT local_day, sum(plays) FROM daily_stats WHERE 1 = 1${acc.clause} GROUP BY local_day`, acc.params)
      : sql.values(`SELECT local_day, count(*) FROM streams WHERE ended_at BETWEEN ? AND ? AND kind = 1${acc.clause} GROUP BY local_day`, [range.from, range.to, ...acc.params]);
    for (const [day, n] of days as number[][]) if (n! > 0) entry(day!).plays += n!;
    for (const [day, tags] of byDay) {
      const e = entry(day);
      for (const [tag, w] of tags) {
        const name = namedSet.has(tag) ? f.tags.get(tag)?.name ?? '?' : OTHER;
        e.weighted.set(name, (e.weighted.get(name) ?? 0) + w);
      }
    }
    const buckets = [...out.values()].sort((a, b) => a.start.localeCompare(b.start)).map((e) => {
      const withGenre = [...e.weighted.values()].reduce((s, v) => s + v, 0);
      const shares: Record<string, number> = {};
      for (const [name, w] of e.weighted) shares[name] = withGenre > 0 ? Math.round((w / withGenre) * 10_000) / 10_000 : 0;
      return { start: e.start, plays: e.plays, plays_with_genre: Math.round(withGenre), shares };
    });
    return { genres: named.map((id) => f.tags.get(id)?.name ?? '?'), buckets };
  }

  /** The genres of one track with their weights (most weighted first); [] when none are known. */
  function trackGenres(trackId: number): { genre: string; weight: number }[] {
    return sql.all<{ genre: string; weight: number }>(`SELECT t.name AS genre, g.weight AS weight FROM mb_track_genres g JOIN mb_tags t ON t.id = g.tag_id
      WHERE g.track_id = ? ORDER BY g.weight DESC, t.name`, [trackId]);
  }

  return { topGenres, genreTimeline, trackGenres };
}
