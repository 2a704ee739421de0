import type { Range, StatsContext } from '../../stats/index.js';

/**
 * Plays and listening time per track in a range, aggregated before any join (ARCHITECTURE.md "Store
 * rules"): from track_stats when the range covers every stream, else over the streams' ended_at
 * index. Only tracks with at least one play in the range; `ms` is all their music streams' ms_played
 * (as the top lists count it).
 */
export function perTrack(ctx: StatsContext, range: Range): { sql: string; params: number[]; all: boolean } {
  const acc = ctx.accountFilter(range);
  const all = ctx.coversAll(range);
  return all
    ? { sql: `SELECT track_id, sum(plays) AS plays, sum(ms_played) AS ms FROM track_stats WHERE 1 = 1${acc.clause} GROUP BY track_id HAVING plays > 0`,
      params: acc.params, all }
    : { sql: `SELECT track_id, sum(kind = 1) AS plays, sum(ms_played) AS ms FROM streams WHERE ended_at BETWEEN ? AND ? AND content = 0${acc.clause}
        GROUP BY track_id HAVING plays > 0`, params: [range.from, range.to, ...acc.params], all };
}

/** How many of the range's plays the statistic could use (the rest: not resolved yet, or no data at MusicBrainz). */
export interface Coverage { plays: number; plays_with_data: number }

/** Total plays of the per-track aggregate, and those whose track has a row in `table`. */
export function coverage(ctx: StatsContext, agg: { sql: string; params: number[] }, table: 'mb_track_genres' | 'mb_track_countries' | 'mb_track_facts', where = ''): Coverage {
  const total = ctx.sql.get<{ n: number | null }>(`SELECT sum(plays) AS n FROM (${agg.sql})`, agg.params)?.n ?? 0;
  const covered = ctx.sql.get<{ n: number | null }>(`SELECT sum(a.plays) AS n FROM (${agg.sql}) a WHERE a.track_id IN (SELECT track_id FROM ${table}${where})`, agg.params)?.n ?? 0;
  return { plays: total, plays_with_data: covered };
}
