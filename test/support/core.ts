import { createBus } from '../../src/bus.js';
import { openStore } from '../../src/store/index.js';
import { createIngest } from '../../src/ingest/index.js';
import { createImporter } from '../../src/importers/index.js';
import { createStats } from '../../src/stats/index.js';
import { quietLogger } from './helpers.js';
import type { Logger } from '../../src/log.js';
import type { IncomingStream, TrackInfo } from '../../src/types.js';

/** A real store (in memory, or on disk under dataDir) with ingest, importer and stats over it. */
export async function buildCore({ dataDir = null as string | null, timeZone = 'UTC', log = quietLogger() as Logger, maxJournalRecords = 2000 } = {}) {
  const store = await openStore({ dataDir, timeZone, log, maxJournalRecords });
  const bus = createBus(log);
  const ingest = createIngest({ store, bus, log });
  const recovered = await ingest.recover();
  const importer = createImporter({ ingest, bus, log });
  const stats = createStats(store);
  return { store, bus, ingest, importer, stats, recovered, close: () => store.close() };
}

export function track(n: number, extra: Partial<TrackInfo> = {}): TrackInfo {
  return { uri: `spotify:track:t${n}`, name: `Song ${n}`, content: 'track', artists: [{ spotify_id: `a${n % 7}`, name: `Artist ${n % 7}` }],
    album: { spotify_id: `al${n}`, name: `Album ${n}`, image_url: null }, duration_ms: 200_000, isrc: null, ...extra };
}

export function stream(n: number, endedAt: number, extra: Partial<IncomingStream> = {}): IncomingStream {
  return { account: 'default', source: 'poll', ended_at: endedAt, ms_played: 200_000, track: track(n), ...extra };
}
