import type { Store } from '../store/index.js';
import { createStatsContext } from './context.js';
import { createListeningStats } from './listening.js';
import { createPatternStats } from './patterns.js';
import { createSkipStats } from './skips.js';
import { createCounterStats } from './counters.js';
import { createMoodStats } from './mood.js';

export type { Range, StatsContext } from './context.js';
export { createStatsContext } from './context.js';
export type { Summary, TopItem, StreamQuery } from './listening.js';

/**
 * Listening statistics as functions of (store, range, time zone) → plain data (ARCHITECTURE.md
 * "stats"), one module per idea: listening (summary, top lists, timeline, the log), patterns
 * (heatmap, sessions, discoveries), skips, live counters, mood. A new kind of statistic is a new
 * module here, composed below.
 */
export function createStats(store: Store) {
  const ctx = createStatsContext(store);
  const listening = createListeningStats(ctx);
  return {
    ...listening,
    ...createPatternStats(ctx),
    ...createSkipStats(ctx),
    ...createCounterStats(ctx, listening),
    ...createMoodStats(ctx),
  };
}

/** The live counters of one account (see createCounterStats `counters`). */
export type Counters = ReturnType<Stats['counters']>;

/** The stats instance. */
export type Stats = ReturnType<typeof createStats>;
