import type { Range, StatsContext } from '../../stats/index.js';
import { coverage, perTrack, type Coverage } from './common.js';

/** Plays of one release year or decade (decade = the year rounded down to 10: 1994 → 1990). */
export interface EraRow { plays: number; ms_played: number }

/**
 * The eras of the music played: plays per release year of the recording (its release group's first
 * release year, else the year of the release ListenBrainz chose; see derive.ts) and per decade, and
 * the mean release year weighted by plays.
 */
export function createEraStats(ctx: StatsContext) {
  function eras(range: Range): { years: (EraRow & { year: number })[]; decades: (EraRow & { decade: number })[]; mean_year: number | null; coverage: Coverage } {
    const agg = perTrack(ctx, range);
    const years = ctx.sql.all<{ year: number; plays: number; ms: number }>(`SELECT f.year AS year, sum(a.plays) AS plays, sum(a.ms) AS ms
      FROM (${agg.sql}) a JOIN mb_track_facts f ON f.track_id = a.track_id WHERE f.year IS NOT NULL GROUP BY f.year ORDER BY f.year`, agg.params);
    const decades = new Map<number, EraRow>();
    let weighted = 0;
    let plays = 0;
    for (const y of years) {
      const decade = Math.floor(y.year / 10) * 10;
      const d = decades.get(decade) ?? { plays: 0, ms_played: 0 };
      d.plays += y.plays; d.ms_played += y.ms;
      decades.set(decade, d);
      weighted += y.year * y.plays; plays += y.plays;
    }
    return {
      years: years.map((y) => ({ year: y.year, plays: y.plays, ms_played: y.ms })),
      decades: [...decades].sort((a, b) => a[0] - b[0]).map(([decade, d]) => ({ decade, ...d })),
      mean_year: plays > 0 ? Math.round((weighted / plays) * 10) / 10 : null,
      coverage: coverage(ctx, agg, 'mb_track_facts', ' WHERE year IS NOT NULL'),
    };
  }
  return { eras };
}
