import type { Range, StatsContext } from '../../stats/index.js';
import { MS_PER_DAY, dowOfDay } from '../../time.js';
import { coverage, perTrack, type Coverage } from './common.js';
import type { TrackFactsCache } from './track-facts.js';
import type { DayEntries, GenreDays } from './genre-days.js';

/** One row of the top genres. `previous_rank`: the genre's rank in the period of equal length just before (null: unranked there, or all time). */
export interface TopGenre { genre: string; genre_mbid: string | null; plays: number; ms_played: number; rank: number; previous_rank: number | null }

/**
 * One bucket of the genre timeline: `shares[i]` is the share of genre `genres[i]` of the timeline,
 * the last element that of all other genres ("other"); they sum to 1 over the plays that have genres.
 */
export interface GenreBucket { start: string; plays: number; plays_with_genre: number; shares: number[] }

/** The name used for the genres outside the timeline's top list. */
export const OTHER = 'other';

/**
 * Genre statistics (see derive.ts for which genres a track has and their weights). Top genres: a
 * play counts ONCE in each genre of its track, so a genre's `plays` is the number of plays of
 * tracks with that genre (the sum over genres exceeds the plays). Timeline: each play is split over
 * its genres by weight, so a bucket's shares add up to 1.
 */
export function createGenreStats(ctx: StatsContext, facts: TrackFactsCache, genreDays: GenreDays, genreVersion: () => number) {
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
  function weightedByDay(range: Range): DayEntries {
    const acc = ctx.accountFilter(range);
    const tz = store.tz;
    const firstDay = tz.dayOf(range.from);
    const lastDay = tz.dayOf(range.to);
    const whole = ctx.coversAll(range) || (tz.startOfDay(firstDay) === range.from && tz.startOfDay(lastDay + 1) - 1 <= range.to);
    if (whole) {
      const all = genreDays.current();
      const inRange = (i: number) => (acc.params.length === 0 || all.accounts[i] === acc.params[0]) && all.days[i]! >= firstDay && all.days[i]! <= lastDay;
      let n = 0;
      for (let i = 0; i < all.n; i++) if (inRange(i)) n++;
      if (n === all.n) return all;
      const out: DayEntries = { n, accounts: new Int32Array(n), days: new Int32Array(n), tags: new Int32Array(n), weights: new Float64Array(n) };
      for (let i = 0, j = 0; i < all.n; i++) {
        if (!inRange(i)) continue;
        out.accounts[j] = all.accounts[i]!; out.days[j] = all.days[i]!; out.tags[j] = all.tags[i]!; out.weights[j] = all.weights[i]!; j++;
      }
      return out;
    }
    const genres = facts.get().genres;
    const days: number[] = []; const tags: number[] = []; const weights: number[] = [];
    for (const [day, track, n] of sql.values(`SELECT local_day, track_id, count(*) FROM streams WHERE ended_at BETWEEN ? AND ? AND kind = 1${acc.clause}
      GROUP BY local_day, track_id`, [range.from, range.to, ...acc.params]) as number[][]) {
      for (const g of genres.get(track!) ?? []) { days.push(day!); tags.push(g.tag_id); weights.push(g.weight * n!); }
    }
    return { n: days.length, accounts: new Int32Array(days.length), days: Int32Array.from(days), tags: Int32Array.from(tags), weights: Float64Array.from(weights) };
  }

  /**
   * Each genre's share of the plays per ISO week (Monday start) or month, in the configured zone; the
   * `top` genres of the range by weighted plays are named in `genres`, the rest summed as the last
   * share of each bucket ("other"). Arrays rather than objects per bucket: a week timeline over years
   * stays a few tens of kB.
   */
  const timelines = new Map<string, { genres: string[]; buckets: GenreBucket[] }>();
  let timelinesAt = '';
  function genreTimeline(range: Range, bucket: 'week' | 'month', top: number): { genres: string[]; buckets: GenreBucket[] } {
    // Answers are kept until the next write (store.writeVersion) or genre change: the panel asks for the same timeline again and again.
    const at = `${store.writeVersion}:${genreVersion()}`;
    if (at !== timelinesAt) { timelines.clear(); timelinesAt = at; }
    const key = `${ctx.coversAll(range) ? 'all' : `${range.from}:${range.to}`}:${range.account ?? ''}:${bucket}:${top}`;
    let answer = timelines.get(key);
    if (!answer) {
      answer = computeTimeline(range, bucket, top);
      if (timelines.size >= 16) timelines.clear();
      timelines.set(key, answer);
    }
    return answer;
  }

  function computeTimeline(range: Range, bucket: 'week' | 'month', top: number): { genres: string[]; buckets: GenreBucket[] } {
    const acc = ctx.accountFilter(range);
    const e = weightedByDay(range);
    const f = facts.get();
    const totals = new Map<number, number>();
    for (let i = 0; i < e.n; i++) totals.set(e.tags[i]!, (totals.get(e.tags[i]!) ?? 0) + e.weights[i]!);
    const named = [...totals].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, top).map(([id]) => id);
    const column = new Map(named.map((id, i) => [id, i]));
    const width = named.length + 1; // the last column is "other"
    const days = (ctx.coversAll(range)
      ? sql.values(`SELECT local_day, sum(plays) FROM daily_stats WHERE 1 = 1${acc.clause} GROUP BY local_day`, acc.params)
      : sql.values(`SELECT local_day, count(*) FROM streams WHERE ended_at BETWEEN ? AND ? AND kind = 1${acc.clause} GROUP BY local_day`, [range.from, range.to, ...acc.params])) as number[][];
    // Days → bucket numbers through a lookup table over the span of days (no per-play date math or string keys).
    let minDay = Infinity; let maxDay = -Infinity;
    for (const [day] of days) { minDay = Math.min(minDay, day!); maxDay = Math.max(maxDay, day!); }
    for (let i = 0; i < e.n; i++) { minDay = Math.min(minDay, e.days[i]!); maxDay = Math.max(maxDay, e.days[i]!); }
    if (!Number.isFinite(minDay)) return { genres: [], buckets: [] };
    const bucketOfDay = new Int32Array(maxDay - minDay + 1);
    const starts: string[] = [];
    let previous = '';
    for (let day = minDay; day <= maxDay; day++) {
      const date = new Date((bucket === 'week' ? day - dowOfDay(day) : day) * MS_PER_DAY).toISOString().slice(0, 10);
      const key = bucket === 'month' ? `${date.slice(0, 7)}-01` : date;
      if (key !== previous) { starts.push(key); previous = key; }
      bucketOfDay[day - minDay] = starts.length - 1;
    }
    const plays = new Float64Array(starts.length);
    const seen = new Uint8Array(starts.length);
    const weighted = new Float64Array(starts.length * width);
    for (const [day, n] of days) if (n! > 0) { const b = bucketOfDay[day! - minDay]!; plays[b] = plays[b]! + n!; seen[b] = 1; }
    for (let i = 0; i < e.n; i++) {
      const b = bucketOfDay[e.days[i]! - minDay]!;
      const at = b * width + (column.get(e.tags[i]!) ?? named.length);
      weighted[at] = weighted[at]! + e.weights[i]!;
      seen[b] = 1;
    }
    const names = named.map((id) => f.tags.get(id)?.name ?? '?');
    const buckets: GenreBucket[] = [];
    for (let b = 0; b < starts.length; b++) {
      if (!seen[b]) continue;
      let withGenre = 0;
      for (let c = 0; c < width; c++) withGenre += weighted[b * width + c]!;
      const shares: number[] = [];
      for (let c = 0; c < width; c++) shares.push(withGenre > 0 ? Math.round((weighted[b * width + c]! / withGenre) * 10_000) / 10_000 : 0);
      buckets.push({ start: starts[b]!, plays: plays[b]!, plays_with_genre: Math.round(withGenre), shares });
    }
    return { genres: names, buckets };
  }

  /** The genres of one track with their weights (most weighted first); [] when none are known. */
  function trackGenres(trackId: number): { genre: string; weight: number }[] {
    return sql.all<{ genre: string; weight: number }>(`SELECT t.name AS genre, g.weight AS weight FROM mb_track_genres g JOIN mb_tags t ON t.id = g.tag_id
      WHERE g.track_id = ? ORDER BY g.weight DESC, t.name`, [trackId]);
  }

  /** An artist's genres: the genres of its tracks (as primary artist), each counted once per play, all time. */
  function artistGenres(artistId: number, account?: string): { genre: string; plays: number }[] {
    const acc = ctx.accountFilter({ from: 0, to: 0, account });
    const f = facts.get();
    const totals = new Map<number, number>();
    for (const [track, plays] of sql.values(`SELECT ts.track_id, sum(ts.plays) FROM track_stats ts JOIN tracks t ON t.id = ts.track_id
      WHERE t.artist_id = ?${acc.clause.replace('account_id', 'ts.account_id')} GROUP BY ts.track_id`, [artistId, ...acc.params]) as number[][]) {
      for (const g of f.genres.get(track!) ?? []) totals.set(g.tag_id, (totals.get(g.tag_id) ?? 0) + plays!);
    }
    return [...totals].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([tag, plays]) => ({ genre: f.tags.get(tag)?.name ?? '?', plays }));
  }

  return { topGenres, genreTimeline, trackGenres, artistGenres };
}
