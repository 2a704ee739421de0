import type { Range, StatsContext } from '../../stats/index.js';
import { coverage, perTrack, type Coverage } from './common.js';
import type { TrackFactsCache } from './track-facts.js';

/** Plays of one release year or decade (decade = the year rounded down to 10: 1994 → 1990). */
export interface EraRow { plays: number; ms_played: number }

/**
 * The eras of the music played: plays per release year of the recording (its release group's first
 * release year, else the year of the release ListenBrainz chose; see derive.ts) and per decade, and
 * the mean release year weighted by plays.
 */
export function createEraStats(ctx: StatsContext, facts: TrackFactsCache) {
  function eras(range: Range): { years: (EraRow & { year: number })[]; decades: (EraRow & { decade: number })[]; mean_year: number | null; coverage: Coverage } {
    const rows = perTrack(ctx, range);
    const f = facts.get();
    const years = new Map<number, EraRow>();
    let weighted = 0; let plays = 0;
    for (const r of rows) {
      const year = f.years.get(r.track_id);
      if (year === undefined) continue;
      const e = years.get(year) ?? { plays: 0, ms_played: 0 };
      e.plays += r.plays; e.ms_played += r.ms;
      years.set(year, e);
      weighted += year * r.plays; plays += r.plays;
    }
    const decades = new Map<number, EraRow>();
    for (const [year, e] of years) {
      const decade = Math.floor(year / 10) * 10;
      const d = decades.get(decade) ?? { plays: 0, ms_played: 0 };
      d.plays += e.plays; d.ms_played += e.ms_played;
      decades.set(decade, d);
    }
    return {
      years: [...years].sort((a, b) => a[0] - b[0]).map(([year, e]) => ({ year, ...e })),
      decades: [...decades].sort((a, b) => a[0] - b[0]).map(([decade, d]) => ({ decade, ...d })),
      mean_year: plays > 0 ? Math.round((weighted / plays) * 10) / 10 : null,
      coverage: coverage(rows, (t) => f.years.has(t)),
    };
  }
  return { eras };
}
