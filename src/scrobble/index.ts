import type { Bus } from '../bus.js';
import type { Health } from '../health.js';
import type { Ingest } from '../ingest/index.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/index.js';
import { createListenBrainzClient } from './client.js';
import { createListenBrainzSource, type LiveSourceStatus } from './live-source.js';
import { createOutbox } from './outbox.js';
import { createSender, type SenderStatus } from './sender.js';

export { registerOutboxRecords, createOutbox, type Outbox, type PendingPlay } from './outbox.js';
export { createListenBrainzClient, type ListenBrainzClient } from './client.js';
export { scrobbleWorthy, listenOf, MAX_LISTEN_BYTES, MAX_LISTENS_PER_IMPORT, SCROBBLE_HALF_CAP_MS } from './payload.js';
export { MAX_BACKOFF_MS, type SenderState, type SenderStatus } from './sender.js';
export type { LiveSourceStatus } from './live-source.js';

/** The options this capability reads (config/schema.ts, group "scrobbles and ListenBrainz"). */
export interface ScrobbleOptions {
  scrobble_url?: string | undefined;
  scrobble_token?: string | undefined;
  scrobble_backfill: boolean;
  listenbrainz_user?: string | undefined;
  listenbrainz_token?: string | undefined;
  listenbrainz_api_url: string;
  listenbrainz_poll_interval_s: number;
  http_timeout_s: number;
}

/** What `GET /api/v1/scrobble/status` answers (and the HA diagnostic shows). */
export interface ScrobbleStatus {
  /** `off` without scrobble_url and scrobble_token. */
  state: SenderStatus['state'] | 'off';
  target: string | null;
  pending: number; backfill_pending: number; sent: number; refused: number;
  last_sent_at: number | null; last_error: string | null; retry_at: number | null;
  live_source: LiveSourceStatus | null;
  /**
   * Grows by one with every snapshot (REST answers and socket pushes alike), from the start time in µs,
   * so a client that gets both keeps the one with the higher revision (a REST answer can arrive after a
   * newer push), across restarts too.
   */
  revision: number;
}

export interface ScrobbleDeps {
  options: ScrobbleOptions; store: Store; ingest: Ingest; bus: Bus; log: Logger; health?: Health; accounts: string[]; version: string;
  now?: () => number;
  /** First back-off step in ms (tests). */
  backoffBaseMs?: number;
}

/**
 * Beyond Spotify, live (ARCHITECTURE.md "scrobble/"): the outbox of plays to a ListenBrainz-compatible
 * server (ListenBrainz, Maloja, Koito, multi-scrobbler: `scrobble_url` + `scrobble_token`), sent by
 * the sender (sender.ts), with now playing and an optional backfill of history; and the ListenBrainz
 * live source (`listenbrainz_user`). Each part is off unless its options are set. The outbox's journal
 * records are registered by core.ts whatever the options (registerOutboxRecords).
 */
export function createScrobble({ options, store, ingest, bus, log, health, accounts, version, now = Date.now, backoffBaseMs }: ScrobbleDeps) {
  const timeoutMs = options.http_timeout_s * 1000;
  const outbox = createOutbox(store, now);
  const enabled = Boolean(options.scrobble_url && options.scrobble_token);
  const sender = enabled ? createSender({
    client: createListenBrainzClient({ baseUrl: options.scrobble_url!, token: options.scrobble_token, timeoutMs, log, now }),
    outbox, log: log.child({ part: 'sender' }), health, version, now, ...(backoffBaseMs ? { backoffBaseMs } : {}),
    onStatus: () => bus.emit('scrobble.status', status()),
  }) : null;
  const source = options.listenbrainz_user ? createListenBrainzSource({
    client: createListenBrainzClient({ baseUrl: options.listenbrainz_api_url, token: options.listenbrainz_token, timeoutMs, log, now }),
    user: options.listenbrainz_user, account: accounts[0]!, store, ingest, log: log.child({ part: 'listenbrainz' }), health,
    intervalMs: options.listenbrainz_poll_interval_s * 1000, now,
  }) : null;
  const unsubscribe: (() => void)[] = [];
  // Seeded from the clock (µs): a panel that saw the previous process's snapshots takes this one's as newer.
  let revision = Date.now() * 1000;

  function status(): ScrobbleStatus {
    const s = sender?.status();
    return { state: s?.state ?? 'off', target: enabled ? new URL(options.scrobble_url!).host : null, ...outbox.counts(),
      last_sent_at: s?.last_sent_at ?? null, last_error: s?.last_error ?? null, retry_at: s?.retry_at ?? null, live_source: source?.status() ?? null,
      revision: ++revision };
  }

  return {
    /** Starts the sender (and the backfill the scrobble_backfill option asks for, once) and the live source. */
    async start(): Promise<void> {
      if (sender) {
        await outbox.ensureStarted();
        if (options.scrobble_backfill && !outbox.everBackfilled()) await outbox.requestBackfill(0, now(), null);
        unsubscribe.push(bus.on('play.recorded', 'scrobble', () => sender.wake()), bus.on('stream.merged', 'scrobble', () => sender.wake()),
          bus.on('nowplaying.changed', 'scrobble', (np) => sender.playingNow(np)));
        sender.start();
      }
      source?.start();
    },
    /**
     * Queues the plays of [from, to] (all accounts, or one) to be sent as `import` batches.
     * @throws Error when scrobbling is off (no scrobble_url / scrobble_token).
     */
    async backfill(fromMs: number, toMs: number, account: string | null): Promise<ScrobbleStatus> {
      if (!sender) throw new Error('scrobbling is off: set scrobble_url and scrobble_token');
      await outbox.requestBackfill(fromMs, toMs, account);
      sender.wake();
      return status();
    },
    status,
    /** Polls ListenBrainz now (tests, a panel button). */
    pollNow: () => source?.pollOnce() ?? Promise.resolve(0),
    /** Stops the sender after its request in flight, and the live source. Idempotent. */
    async stop(): Promise<void> {
      for (const u of unsubscribe.splice(0)) u();
      await sender?.stop();
      await source?.stop();
    },
  };
}

/** The scrobble instance. */
export type Scrobble = ReturnType<typeof createScrobble>;
