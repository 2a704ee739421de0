import { ListenBrainzError } from '../errors.js';
import type { Health } from '../health.js';
import type { Logger } from '../log.js';
import type { Ingest } from '../ingest/index.js';
import { fromListenBrainzListen } from '../importers/index.js';
import { SOURCE_BIT, type Store } from '../store/index.js';
import type { IncomingStream } from '../types.js';
import type { ApiListen, ListenBrainzClient } from './client.js';

/** Listens asked for per request (ListenBrainz's MAX_ITEMS_PER_GET is 1000). */
const PAGE = 1000;
/** Pages per poll at most (a first poll after a long outage catches up over several polls). */
const MAX_PAGES = 10;
/** Each poll looks this far behind the newest listen it has: scrobblers submit late. Known listens are dropped by ingest. */
export const LOOKBACK_S = 3600;
/** The first poll of an account (no ListenBrainz listen stored yet) starts this far back; older history comes from an export import. */
export const FIRST_POLL_S = 24 * 3600;

/** What the live source last saw. */
export interface LiveSourceStatus {
  user: string;
  last_poll_at: number | null;
  last_success_at: number | null;
  last_error: string | null;
  /** The listen ListenBrainz says plays now (artist, track), or null. */
  playing_now: { artist_name: string; track_name: string } | null;
}

/**
 * The ListenBrainz live source (optional, `listenbrainz_user`): polls `GET /1/user/{user}/listens`
 * with `min_ts` (the newest ListenBrainz listen stored, minus {@link LOOKBACK_S}) and playing-now, and
 * records what it finds through ingest as source `listenbrainz` (listening outside Spotify: Jellyfin,
 * Navidrome, a Rockbox player…). Listens that are Spotify plays already recorded merge into them by
 * the same-stream rule. The cursor is derived from the stored listens, so nothing extra is kept. The
 * client honours the rate-limit headers; a poll that is rate limited or fails is simply tried next time.
 */
export function createListenBrainzSource({ client, user, account, store, ingest, log, health, intervalMs, now = Date.now }: {
  client: ListenBrainzClient; user: string; account: string; store: Store; ingest: Ingest; log: Logger; health?: Health | undefined;
  intervalMs: number; now?: () => number;
}) {
  const status: LiveSourceStatus = { user, last_poll_at: null, last_success_at: null, last_error: null, playing_now: null };
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let stopped = false;

  function minTs(): number {
    const accountId = store.catalog.findAccountId(account);
    const newest = accountId === undefined ? null : store.sql.get<{ t: number | null }>(
      `SELECT max(ended_at - ms_played) AS t FROM streams WHERE account_id = ? AND (sources & ${SOURCE_BIT.listenbrainz}) != 0`, [accountId])?.t ?? null;
    return newest === null ? Math.floor(now() / 1000) - FIRST_POLL_S : Math.floor(newest / 1000) - LOOKBACK_S;
  }

  /** One poll: new listens recorded (resolves to how many were new), playing-now noted. */
  async function pollOnce(): Promise<number> {
    status.last_poll_at = now();
    try {
      const min = minTs();
      const listens: ApiListen[] = [];
      let maxTs: number | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const got = await client.listens(user, { min_ts: min, ...(maxTs !== undefined ? { max_ts: maxTs } : {}), count: PAGE });
        listens.push(...got);
        if (got.length < PAGE) break;
        maxTs = Math.min(...got.map((l) => l.listened_at));
      }
      const records: IncomingStream[] = [];
      for (const l of listens) {
        const r = fromListenBrainzListen(l, account, 'listenbrainz', now());
        if (r.ok) records.push(r.record); else log.debug({ reason: r.reason }, 'listenbrainz: a listen was not usable');
      }
      const result = records.length > 0 ? await ingest.record(records) : { inserted: [], merged: [] };
      const playing = await client.playingNow(user);
      const meta = playing?.track_metadata as { artist_name?: string; track_name?: string } | undefined;
      status.playing_now = meta?.artist_name && meta.track_name ? { artist_name: meta.artist_name, track_name: meta.track_name } : null;
      status.last_success_at = now();
      status.last_error = null;
      health?.clear('listenbrainz');
      if (result.inserted.length + result.merged.length > 0) {
        log.info({ user, new: result.inserted.length, merged: result.merged.length }, 'listenbrainz: listens recorded');
      }
      return result.inserted.length;
    } catch (err) {
      status.last_error = (err as Error).message;
      if (err instanceof ListenBrainzError && err.code === 'LISTENBRAINZ_RATE_LIMITED') { log.warn({ user }, 'listenbrainz: rate limited; next poll waits'); return 0; }
      log.warn({ err, user }, 'listenbrainz: poll failed');
      health?.report('listenbrainz', { code: err instanceof ListenBrainzError ? err.code : 'LISTENBRAINZ_UNAVAILABLE',
        message: err instanceof ListenBrainzError && err.httpStatus === 404
          ? `ListenBrainz knows no user "${user}"; check the listenbrainz_user option.`
          : 'ListenBrainz could not be reached to read your listens; Vibescope tries again at the next poll.' });
      return 0;
    }
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => { running = pollOnce().then(() => undefined).finally(schedule); }, Math.max(intervalMs, client.waitMs()));
    timer.unref();
  }

  return {
    pollOnce,
    start(): void { stopped = false; running = pollOnce().then(() => undefined).finally(schedule); },
    async stop(): Promise<void> { stopped = true; if (timer) clearTimeout(timer); await running?.catch(() => undefined); },
    status: (): LiveSourceStatus => ({ ...status }),
  };
}

/** The live source instance. */
export type ListenBrainzSource = ReturnType<typeof createListenBrainzSource>;
