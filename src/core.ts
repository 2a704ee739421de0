import type { Logger } from './log.js';
import { createBus } from './bus.js';
import { createHealth } from './health.js';
import { openStore } from './store/index.js';
import { createIngest } from './ingest/index.js';
import { createImporter } from './importers/index.js';
import { createStats } from './stats/index.js';
import { registerOutboxRecords } from './scrobble/index.js';

export interface CoreOptions {
  /** Folder of the snapshot and journal; null keeps everything in memory (tests). */
  dataDir: string | null;
  timeZone: string;
  log: Logger;
  /** skip_threshold_s in ms (default 30 000). */
  skipThresholdMs?: number;
  maxJournalRecords?: number;
  /** Open read-only: replay in memory, write nothing (vibescope status). */
  readOnly?: boolean;
  now?: () => number;
  /**
   * Runs before the journal is replayed: a capability that journals its own record types (e.g. a
   * scrobble outbox) registers them here with `store.registerRecord`.
   */
  register?: (parts: { store: Awaited<ReturnType<typeof openStore>>; ingest: ReturnType<typeof createIngest>; bus: ReturnType<typeof createBus> }) => void;
}

/**
 * The data core every entry point shares (server, one-shot CLI commands, tests, benchmarks): bus,
 * health, store, ingest, importer and stats, with every journal record type registered and the
 * journal replayed. The caller holds the data folder's lock (except read-only).
 */
export async function openCore({ dataDir, timeZone, log, skipThresholdMs, maxJournalRecords, readOnly, now, register }: CoreOptions) {
  const bus = createBus(log.child({ module: 'bus' }));
  const health = createHealth({ bus, ...(now ? { now } : {}) });
  const store = await openStore({ dataDir, timeZone, log: log.child({ module: 'store' }), health, readOnly: readOnly ?? false,
    ...(maxJournalRecords ? { maxJournalRecords } : {}), ...(now ? { now } : {}) });
  const ingest = createIngest({ store, bus, log: log.child({ module: 'ingest' }), ...(skipThresholdMs ? { skipThresholdMs } : {}) });
  const importer = createImporter({ store, ingest, bus, health, log: log.child({ module: 'importers' }) });
  registerOutboxRecords(store); // scrobble outbox marks replay everywhere, whatever the options (issue 15)
  register?.({ store, ingest, bus });
  const replayed = await store.replay();
  const stats = createStats(store);
  return { bus, health, store, ingest, importer, stats, replayed, close: (options?: { compact?: boolean }) => store.close(options) };
}

/** The opened core. */
export type Core = Awaited<ReturnType<typeof openCore>>;
