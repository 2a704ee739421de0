import type { StatsContext } from '../../stats/index.js';
import { createGenreStats } from './genres.js';
import { createCountryStats } from './countries.js';
import { createEraStats } from './eras.js';
import { createObscurityStats } from './obscurity.js';
import { createTrackFacts } from './track-facts.js';
import { createGenreDays } from './genre-days.js';

export type { TopGenre, GenreBucket } from './genres.js';
export type { CountryRow } from './countries.js';
export type { ObscureTrack } from './obscurity.js';
export type { Coverage } from './common.js';
export { OTHER } from './genres.js';
export { LISTENER_THRESHOLDS, SCORE_REFERENCE_LISTENERS, obscurityOf } from './obscurity.js';

/**
 * Genre, country, era and obscurity statistics over the metadata tables, one module per idea.
 * `version` is the deriver's refresh counter: the in-memory per-track facts and the genre-day rollup
 * are read again when it moves.
 */
export function createMetadataStats(ctx: StatsContext, version: () => number) {
  const facts = createTrackFacts(ctx.sql, version);
  const genreDays = createGenreDays(ctx.sql, facts, version);
  return { ...createGenreStats(ctx, facts, genreDays, version), ...createCountryStats(ctx, facts), ...createEraStats(ctx, facts), ...createObscurityStats(ctx, facts) };
}

export type MetadataStats = ReturnType<typeof createMetadataStats>;
