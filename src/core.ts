import type { Logger } from './log.js';
import { createBus } from './bus.js';
import { createHealth } from './health.js';
import { openStore } from './store/index.js';
import { createIngest } from './ingest/index.js';
import { createImporter } from './importers/index.js';
import { createStats } from './stats/index.js';
import { registerStoryRecords } from './story/index.js';
import { registerOutboxRecords } from './scrobble/index.js';
import { registerPlaylistRecords } from './playlists/index.js';

/**
 * Every capability that journals records of its own registers them here, so whoever opens the data
 * core (server, CLI, status, tests, benchmarks) replays them instead of setting them aside.
 */
function registerDurableRecords(store: Awaited<ReturnType<typeof openStore>>): void {
  registerStoryRecords(store);
  registerOutboxRecords(store); // scrobble outbox marks replay everywhere, whatever the options (issue 15)
  registerPlaylistRecords(store);
}

export interface CoreOptions {
  /** Folder of the snapshot and journal; null keeps everything in memory (tests). */
  dataDir: string | null;
  timeZone: string;
  log: Logger;
  /** skip_threshold_s in ms (default 30 000). */
  skipThresholdMs?: number;
  maxJournalRecords?: number;
  /** Hard cap on one imported file's bytes (default: the importer's; tests lower it). */
  maxFileBytes?: number;
  /** Open read-only: replay in memory, write nothing (vibescope status). */
  readOnly?: boolean;
  now?: () => number;
  /**
   * Runs before the journal is replayed, after the durable record types of every capability were
   * registered (registerDurableRecords): for extra record types in tests.
   */
  register?: (parts: { store: Awaited<ReturnType<typeof openStore>>; ingest: ReturnType<typeof createIngest>; bus: ReturnType<typeof createBus> }) => void;
}

/**
 * The data core every entry point shares (server, one-shot CLI commands, tests, benchmarks): bus,
 * health, store, ingest, importer and stats, with every journal record type registered and the
 * journal replayed. The caller holds the data folder's lock (except read-only).
 */
export async function openCore({ dataDir, timeZone, log, skipThresholdMs, maxJournalRecords, readOnly, now, register, maxFileBytes }: CoreOptions) {
  const bus = createBus(log.child({ module: 'bus' }));
  const health = createHealth({ bus, ...(now ? { now } : {}) });
  const store = await openStore({ dataDir, timeZone, log: log.child({ module: 'store' }), health, readOnly: readOnly ?? false,
    ...(maxJournalRecords ? { maxJournalRecords } : {}), ...(now ? { now } : {}) });
  const ingest = createIngest({ store, bus, log: log.child({ module: 'ingest' }), ...(skipThresholdMs ? { skipThresholdMs } : {}) });
  const importer = createImporter({ store, ingest, bus, health, log: log.child({ module: 'importers' }), ...(maxFileBytes ? { maxFileBytes } : {}) });
  registerDurableRecords(store);
  register?.({ store, ingest, bus });
  const replayed = await store.replay();
  const stats = createStats(store);
  return { bus, health, store, ingest, importer, stats, replayed, close: (options?: { compact?: boolean }) => store.close(options) };
}

/** The opened core. */
export type Core = Awaited<ReturnType<typeof openCore>>;
