import path from 'node:path';
import { buildCore } from '../support/core.js';
import { EXTENDED_DIR } from '../support/fixtures.js';
import { quietLogger } from '../support/helpers.js';
import { createStories, type StoryConfig } from '../../src/story/index.js';
import type { StoryFacts } from '../../src/stats/index.js';

/** The listener of mica92's export lives in Argentina (conn_country AR; UTC−3 all year, no DST). */
export const TZ = 'America/Argentina/Buenos_Aires';
export const MICA = path.join(EXTENDED_DIR, 'mica92_Streaming_History_Audio_2024_4.json');
/** A week inside mica92's export (Monday 7 – Sunday 13 October 2024). */
export const WEEK = '2024-10-07';
/** "Now" for the tests: long after the export. */
export const NOW = Date.UTC(2026, 0, 15, 12);

/** A core (in memory) with mica92's real export imported into account `default` (openCore registers the story records). */
export async function coreWithHistory() {
  const core = await buildCore({ timeZone: TZ });
  const report = await core.importer.importPaths([MICA], { account: 'default' });
  if (!report.ok) throw new Error(`fixture import failed: ${report.error}`);
  return core;
}

export type TestCore = Awaited<ReturnType<typeof coreWithHistory>>;

/** Stories over a core with a provider config (no retry waits unless asked). */
export function storiesFor(core: TestCore, config: Partial<StoryConfig>, extra: { retryDelayMs?: number; maxRetryWaitMs?: number } = {}) {
  return createStories({ store: core.store, stats: core.stats, bus: core.bus, health: core.health, log: quietLogger(), now: () => NOW,
    config: { provider: 'none', timeoutMs: 5_000, language: 'en', tone: 'friendly', ...config }, retryDelayMs: 0, ...extra });
}

/** A story written by hand from the facts (every number and name taken from them), citing the right keys. */
export function goodStory(f: StoryFacts) {
  const a = f.top_artists[0]!;
  return {
    title: `${f.totals.plays} plays in one week`,
    summary: `You played ${f.totals.plays} tracks, and ${a.name} led the way.`,
    highlights: [
      { text: `${a.name} had ${a.plays} plays.`, fact_keys: ['top_artists.0'] },
      { text: `You skipped ${f.skips.count} times.`, fact_keys: ['skips.count'] },
      { text: `Your longest session lasted ${f.sessions.longest!.minutes} minutes.`, fact_keys: ['sessions.longest.minutes'] },
    ],
    persona: { name: 'The devoted fan', description: 'Loyal to the end.' },
  };
}
