import { EARLY_SKIP_MS } from '../store/index.js';
import type { Range, StatsContext } from './context.js';

export function createSkipStats({ sql, accountFilter, coversAll }: StatsContext) {
  /** Skips: most-skipped tracks and artists, early (< 10 s) vs later skips, in the range. */
  function skips(range: Range, limit: number) {
    const acc = accountFilter(range);
    const all = coversAll(range);
    const params = all ? acc.params : [range.from, range.to, ...acc.params];
    const where = `ended_at BETWEEN ? AND ? AND content = 0${acc.clause}`;
    const split = all
      ? sql.get<{ early: number | null; later: number | null; plays: number | null }>(`SELECT sum(early_skips) AS early,
          sum(skips) - sum(early_skips) AS later, sum(plays) AS plays FROM daily_stats WHERE 1 = 1${acc.clause}`, acc.params)!
      : sql.get<{ early: number | null; later: number | null; plays: number | null }>(`SELECT sum(kind = 2 AND ms_played < ${EARLY_SKIP_MS}) AS early,
          sum(kind = 2 AND ms_played >= ${EARLY_SKIP_MS}) AS later, sum(kind = 1) AS plays FROM streams WHERE ${where}`, params)!;
    // Per-track skips and plays: the track_stats rollup for all time, else the streams in the range.
    const perTrack = all
      ? `SELECT track_id, sum(skips) AS skips, sum(plays) AS plays FROM track_stats WHERE 1 = 1${acc.clause} GROUP BY track_id`
      : `SELECT track_id, sum(kind = 2) AS skips, sum(kind = 1) AS plays FROM streams WHERE ${where} GROUP BY track_id`;
    const tracks = sql.all(`SELECT a.track_id AS id, t.name AS name, ar.name AS artist_name, a.skips AS skips, a.plays AS plays FROM
      (SELECT * FROM (${perTrack}) WHERE skips > 0 ORDER BY skips DESC, plays ASC LIMIT ?) a JOIN tracks t ON t.id = a.track_id
      LEFT JOIN artists ar ON ar.id = t.artist_id ORDER BY skips DESC, plays ASC`, [...params, limit]);
    const artists = sql.all(`SELECT t.artist_id AS id, ar.name AS name, sum(a.skips) AS skips, sum(a.plays) AS plays FROM (${perTrack}) a
      JOIN tracks t ON t.id = a.track_id JOIN artists ar ON ar.id = t.artist_id GROUP BY t.artist_id HAVING sum(a.skips) > 0
      ORDER BY sum(a.skips) DESC LIMIT ?`, [...params, limit]);
    const rate = (r: Record<string, unknown>) => {
      const k = Number(r.skips); const p = Number(r.plays);
      return k + p === 0 ? null : Math.round((k / (k + p)) * 1000) / 10;
    };
    return {
      early_skips: split.early ?? 0, later_skips: split.later ?? 0, plays: split.plays ?? 0,
      tracks: tracks.map((r) => ({ ...r, skip_rate: rate(r) })), artists: artists.map((r) => ({ ...r, skip_rate: rate(r) })),
    };
  }

  return { skips };
}
