import type { Range, StatsContext } from '../../stats/index.js';
import { MS_PER_DAY, dowOfDay } from '../../time.js';
import { coverage, perTrack, type Coverage } from './common.js';

/** One row of the top genres. `previous_rank`: the genre's rank in the period of equal length just before (null: unranked there, or all time). */
export interface TopGenre { genre: string; genre_mbid: string | null; plays: number; ms_played: number; rank: number; previous_rank: number | null }

/** One bucket of the genre timeline: `shares` per genre (the top genres and "other") sum to 1 over the plays that have genres. */
export interface GenreBucket { start: string; plays: number; plays_with_genre: number; shares: Record<string, number> }

/** The name used for the genres outside the timeline's top list. */
export const OTHER = 'other';

/**
 * Genre statistics over mb_track_genres (see derive.ts for which genres a track has and their
 * weights). Top genres: a play counts ONCE in each genre of its track, so a genre's `plays` is the
 * number of plays of tracks with that genre (the sum over genres exceeds the plays). Timeline: each
 * play is split over its genres by weight, so a bucket's shares add up to 1.
 */
export function createGenreStats(ctx: StatsContext) {
  const { sql } = ctx;

  function ranked(range: Range, by: 'plays' | 'ms', limit: number | null): TopGenre[] {
    const agg = perTrack(ctx, range);
    const order = by === 'plays' ? 'plays DESC, ms DESC' : 'ms DESC, plays DESC';
    const rows = sql.all<{ tag_id: number; plays: number; ms: number }>(`SELECT g.tag_id AS tag_id, sum(a.plays) AS plays, sum(a.ms) AS ms
      FROM (${agg.sql}) a JOIN mb_track_genres g ON g.track_id = a.track_id GROUP BY g.tag_id ORDER BY ${order}, g.tag_id LIMIT ?`,
    [...agg.params, limit ?? -1]);
    const names = new Map(sql.all<{ id: number; name: string; genre_mbid: string | null }>('SELECT id, name, genre_mbid FROM mb_tags WHERE genre_mbid IS NOT NULL')
      .map((t) => [t.id, t]));
    return rows.map((r, i) => ({ genre: names.get(r.tag_id)?.name ?? '?', genre_mbid: names.get(r.tag_id)?.genre_mbid ?? null,
      plays: r.plays, ms_played: r.ms, rank: i + 1, previous_rank: null }));
  }

  /**
   * Top genres of a range by plays or listening time, with each genre's rank in the previous period
   * of the same length (none for all time).
   */
  function topGenres(range: Range, limit: number, by: 'plays' | 'ms'): { items: TopGenre[]; coverage: Coverage } {
    const items = ranked(range, by, limit);
    if (!ctx.coversAll(range) && range.from > 0) {
      const span = range.to - range.from + 1;
      const before = new Map(ranked({ from: range.from - span, to: range.from - 1, account: range.account }, by, null).map((g) => [g.genre, g.rank]));
      for (const g of items) g.previous_rank = before.get(g.genre) ?? null;
    }
    return { items, coverage: coverage(ctx, perTrack(ctx, range), 'mb_track_genres') };
  }

  /**
   * Each genre's share of the plays per ISO week (Monday start) or month, in the configured zone; the
   * `top` genres of the range by weighted plays are named, the rest are summed as "other".
   */
  function genreTimeline(range: Range, bucket: 'week' | 'month', top: number): { genres: string[]; buckets: GenreBucket[] } {
    const acc = ctx.accountFilter(range);
    const rows = sql.values(`SELECT d.local_day, g.tag_id, sum(d.plays * g.weight) FROM
      (SELECT local_day, track_id, count(*) AS plays FROM streams WHERE ended_at BETWEEN ? AND ? AND kind = 1${acc.clause} GROUP BY local_day, track_id) d
      JOIN mb_track_genres g ON g.track_id = d.track_id GROUP BY d.local_day, g.tag_id`, [range.from, range.to, ...acc.params]) as number[][];
    const playRows = sql.values(`SELECT local_day, count(*) FROM streams WHERE ended_at BETWEEN ? AND ? AND kind = 1${acc.clause} GROUP BY local_day`,
      [range.from, range.to, ...acc.params]) as number[][];
    const keyOf = (day: number) => {
      const first = bucket === 'week' ? day - dowOfDay(day) : day;
      const date = new Date(first * MS_PER_DAY).toISOString().slice(0, 10);
      return bucket === 'month' ? `${date.slice(0, 7)}-01` : date;
    };
    const totals = new Map<number, number>();
    for (const [, tag, w] of rows) totals.set(tag!, (totals.get(tag!) ?? 0) + w!);
    const names = new Map(sql.all<{ id: number; name: string }>('SELECT id, name FROM mb_tags WHERE genre_mbid IS NOT NULL').map((t) => [t.id, t.name]));
    const named = [...totals].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, top).map(([id]) => id);
    const namedSet = new Set(named);
    const out = new Map<string, { start: string; plays: number; weighted: Map<string, number> }>();
    const entry = (day: number) => {
      const key = keyOf(day);
      let e = out.get(key);
      if (!e) { e = { start: key, plays: 0, weighted: new Map() }; out.set(key, e); }
      return e;
    };
    for (const [day, n] of playRows) entry(day!).plays += n!;
    for (const [day, tag, w] of rows) {
      const e = entry(day!);
      const name = namedSet.has(tag!) ? names.get(tag!) ?? '?' : OTHER;
      e.weighted.set(name, (e.weighted.get(name) ?? 0) + w!);
    }
    const buckets = [...out.values()].sort((a, b) => a.start.localeCompare(b.start)).map((e) => {
      const withGenre = [...e.weighted.values()].reduce((s, v) => s + v, 0);
      const shares: Record<string, number> = {};
      for (const [name, w] of e.weighted) shares[name] = withGenre > 0 ? Math.round((w / withGenre) * 10_000) / 10_000 : 0;
      return { start: e.start, plays: e.plays, plays_with_genre: Math.round(withGenre), shares };
    });
    return { genres: named.map((id) => names.get(id) ?? '?'), buckets };
  }

  /** The genres of one track with their weights (most weighted first); [] when none are known. */
  function trackGenres(trackId: number): { genre: string; weight: number }[] {
    return sql.all<{ genre: string; weight: number }>(`SELECT t.name AS genre, g.weight AS weight FROM mb_track_genres g JOIN mb_tags t ON t.id = g.tag_id
      WHERE g.track_id = ? ORDER BY g.weight DESC, t.name`, [trackId]);
  }

  return { topGenres, genreTimeline, trackGenres };
}
