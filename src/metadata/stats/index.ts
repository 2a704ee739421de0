import type { StatsContext } from '../../stats/index.js';
import { createGenreStats } from './genres.js';
import { createCountryStats } from './countries.js';
import { createEraStats } from './eras.js';
import { createObscurityStats } from './obscurity.js';

export type { TopGenre, GenreBucket } from './genres.js';
export type { CountryRow } from './countries.js';
export type { ObscureTrack } from './obscurity.js';
export type { Coverage } from './common.js';
export { OTHER } from './genres.js';
export { LISTENER_THRESHOLDS, SCORE_REFERENCE_LISTENERS, obscurityOf } from './obscurity.js';

/** Genre, country, era and obscurity statistics over the metadata tables, one module per idea. */
export function createMetadataStats(ctx: StatsContext) {
  return { ...createGenreStats(ctx), ...createCountryStats(ctx), ...createEraStats(ctx), ...createObscurityStats(ctx) };
}

export type MetadataStats = ReturnType<typeof createMetadataStats>;
