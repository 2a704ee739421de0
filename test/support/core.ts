import { openCore } from '../../src/core.js';
import { quietLogger } from './helpers.js';
import type { Logger } from '../../src/log.js';
import type { IncomingStream, TrackInfo } from '../../src/types.js';

/** A real store (in memory, or on disk under dataDir) with ingest, importer and stats over it (src/core.ts). */
export async function buildCore({ dataDir = null as string | null, timeZone = 'UTC', log = quietLogger() as Logger, maxJournalRecords = 2000,
  skipThresholdMs = 30_000, readOnly = false, maxFileBytes = undefined as number | undefined } = {}) {
  const core = await openCore({ dataDir, timeZone, log, maxJournalRecords, skipThresholdMs, readOnly, ...(maxFileBytes ? { maxFileBytes } : {}) });
  return { ...core, recovered: core.replayed };
}

/** Applies records as an import does (batches, no journal line: the tests' in-memory stores have none). */
export async function importRecords(core: { ingest: { applyImported(r: IncomingStream[]): Promise<{ inserted: number[]; merged: number[]; duplicates: number }> } }, records: IncomingStream[]) {
  return core.ingest.applyImported(records);
}

export function track(n: number, extra: Partial<TrackInfo> = {}): TrackInfo {
  return { uri: `spotify:track:t${n}`, name: `Song ${n}`, content: 'track', artists: [{ spotify_id: `a${n % 7}`, name: `Artist ${n % 7}` }],
    album: { spotify_id: `al${n}`, name: `Album ${n}`, image_url: null }, duration_ms: 200_000, isrc: null, ...extra };
}

export function stream(n: number, endedAt: number, extra: Partial<IncomingStream> = {}): IncomingStream {
  return { account: 'default', source: 'poll', ended_at: endedAt, ms_played: 200_000, track: track(n), ...extra };
}
