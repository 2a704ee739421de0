import type { Store } from '../store/index.js';
import { createStatsContext } from './context.js';
import { createListeningStats } from './listening.js';
import { createPatternStats } from './patterns.js';
import { createSkipStats } from './skips.js';
import { createCounterStats } from './counters.js';
import { createMoodStats } from './mood.js';
import { createRangeCache } from './cache.js';
import { createFactStats } from './facts.js';
import { createEntityStats } from './entities.js';
import { createSearchStats } from './search.js';
import { createSpanStats } from './span.js';
import { createHistoryStats } from './history.js';
import { createWrappedStats } from './wrapped.js';

export type { Range, StatsContext } from './context.js';
export { createStatsContext } from './context.js';
export type { Summary, TopItem, StreamQuery } from './listening.js';
export type { StoryFacts, RankedFact, FactsRequest, FactSources, GenreSource, ObscuritySource, Period, PeriodKind } from './facts.js';
export { FACTS_SCHEMA, PERIOD_KINDS, resolvePeriod } from './facts.js';
export type { EntityKind, EntityPage, EntityMonth } from './entities.js';
export type { SearchHit } from './search.js';
export type { HistorySpan } from './span.js';

/**
 * Listening statistics as functions of (store, range, time zone) → plain data (ARCHITECTURE.md
 * "stats"), one module per idea: listening (summary, top lists, timeline, the log), patterns
 * (heatmap, sessions, discoveries), skips, live counters, mood, the story facts of a period, entity
 * pages (artist, track, album), search, the history span, log counts and the year in review. A new kind of statistic is a new
 * module here, composed below.
 */
export function createStats(store: Store) {
  const ctx = createStatsContext(store);
  const listening = createListeningStats(ctx);
  const patterns = createPatternStats(ctx);
  const skipStats = createSkipStats(ctx);
  // Range statistics answer from a cache until the next write (src/stats/cache.ts).
  const { memo } = createRangeCache(ctx);
  return {
    ...listening,
    ...patterns,
    ...skipStats,
    ...createCounterStats(ctx, listening),
    ...createMoodStats(ctx),
    summary: memo('summary', listening.summary),
    top: memo('top', listening.top, 1),
    timeline: memo('timeline', listening.timeline),
    streams: memo('streams', listening.streams),
    heatmap: memo('heatmap', patterns.heatmap),
    sessions: memo('sessions', patterns.sessions),
    discoveries: memo('discoveries', patterns.discoveries),
    skips: memo('skips', skipStats.skips),
    ...createFactStats(ctx, listening),
    ...createEntityStats(ctx, memo),
    ...createSearchStats(ctx),
    ...createSpanStats(ctx),
    ...createHistoryStats(ctx, memo),
    ...createWrappedStats(ctx, listening, patterns, skipStats),
  };
}

/** The live counters of one account (see createCounterStats `counters`). */
export type Counters = ReturnType<Stats['counters']>;

/** The stats instance. */
export type Stats = ReturnType<typeof createStats>;
