import { ListenBrainzError } from '../errors.js';
import type { Health } from '../health.js';
import type { Logger } from '../log.js';
import type { NowPlaying } from '../types.js';
import type { ListenBrainzClient } from './client.js';
import type { Outbox, PendingPlay } from './outbox.js';
import { listenOf, MAX_LISTENS_PER_IMPORT, playingNowOf } from './payload.js';

/** What the sender is doing (REST status, the HA diagnostic entity). */
export type SenderState = 'idle' | 'sending' | 'backing_off' | 'rate_limited' | 'needs_token' | 'stopped';

export interface SenderStatus {
  state: SenderState;
  last_sent_at: number | null;
  last_error: string | null;
  /** When the next attempt is due while backing off or rate limited, ms. */
  retry_at: number | null;
  /** Attempts in a row that failed (5xx, timeouts, no connection). */
  failures: number;
}

export interface SenderDeps {
  client: ListenBrainzClient; outbox: Outbox; log: Logger; health?: Health | undefined; version: string;
  /** First back-off step, ms (doubles per failure up to {@link MAX_BACKOFF_MS}). */
  backoffBaseMs?: number;
  now?: () => number;
  onStatus?: (status: SenderStatus) => void;
}

/** The longest wait between two attempts while the server fails. */
export const MAX_BACKOFF_MS = 10 * 60_000;
/** Failures in a row before the problem is shown (a blip stays in the log). */
const REPORT_AFTER_FAILURES = 3;

/**
 * Sends the outbox (outbox.ts), one request at a time: live plays first, each as `listen_type:
 * single`, then backfills as `import` batches of at most 1000 listens (each at most 10 240 bytes, so
 * the request stays under ListenBrainz's payload cap). A 200 marks the plays sent (durably) before the
 * next request. 5xx, timeouts and lost connections back off exponentially (base doubling, capped at
 * 10 min); 429 waits X-RateLimit-Reset-In; 400 refuses the listen for good (an import batch is then
 * retried listen by listen, so one bad listen cannot hold back the rest); 401/403 stops sending and asks
 * for a new token (health `scrobble`), until the options change and Vibescope restarts.
 */
export function createSender({ client, outbox, log, health, version, backoffBaseMs = 5_000, now = Date.now, onStatus }: SenderDeps) {
  const status: SenderStatus = { state: 'idle', last_sent_at: null, last_error: null, retry_at: null, failures: 0 };
  let stopped = false;
  let wakeUp: (() => void) | null = null;
  let loop: Promise<void> | null = null;
  let lastPlaying: string | null = null;

  const set = (patch: Partial<SenderStatus>) => { Object.assign(status, patch); onStatus?.({ ...status }); };
  /** A wake that came while the loop was not asleep: the next sleep returns at once. */
  let woken = false;
  /** Wakes the loop (a play was stored, a backfill asked for, stop). */
  function wake(): void { const w = wakeUp; wakeUp = null; if (w) w(); else woken = true; }
  const sleep = (ms: number) => new Promise<void>((resolve) => {
    if (woken) { woken = false; resolve(); return; }
    const timer = setTimeout(() => { wakeUp = null; resolve(); }, ms);
    wakeUp = () => { clearTimeout(timer); resolve(); };
  });

  function needsToken(err: ListenBrainzError): void {
    set({ state: 'needs_token', last_error: err.message, retry_at: null });
    log.error({ endpoint: err.endpoint, status: err.httpStatus }, 'scrobble: the server refused the token; sending stopped');
    health?.report('scrobble', { code: 'LISTENBRAINZ_AUTH', message: 'The scrobble server refused the token, so plays are kept in the outbox '
      + 'and not sent. Paste a new token into the scrobble_token option (the add-on\'s Configuration tab; standalone: '
      + 'vibescope.yaml or VIBESCOPE_SCROBBLE_TOKEN), then restart Vibescope.' });
  }

  /** Sends listens; returns the plays the server refused (400). */
  async function send(type: 'single' | 'import', plays: { play: PendingPlay; listen: Record<string, unknown> }[]): Promise<PendingPlay[]> {
    try {
      await client.submit(type, plays.map((p) => p.listen));
      await outbox.mark(plays.map((p) => p.play), 'sent');
      return [];
    } catch (err) {
      if (!(err instanceof ListenBrainzError) || err.code !== 'LISTENBRAINZ_REFUSED') throw err;
      if (plays.length === 1) {
        log.warn({ stream_id: plays[0]!.play.id, reason: err.message }, 'scrobble: the server refused a listen; it is not sent again');
        return [plays[0]!.play];
      }
      const refused: PendingPlay[] = [];
      for (const p of plays) refused.push(...(await send('import', [p])));
      return refused;
    }
  }

  async function step(): Promise<'sent' | 'empty'> {
    let type: 'single' | 'import' = 'single';
    let batch = outbox.pendingLive(1);
    if (batch.length === 0) { type = 'import'; batch = outbox.pendingBackfill(MAX_LISTENS_PER_IMPORT); }
    if (batch.length === 0) return 'empty';
    const good: { play: PendingPlay; listen: Record<string, unknown> }[] = [];
    const refused: PendingPlay[] = [];
    for (const play of batch) {
      const made = listenOf(play, version);
      if ('problem' in made) { refused.push(play); log.warn({ stream_id: play.id, reason: made.problem }, 'scrobble: a play cannot be a listen; it is not sent'); }
      else good.push({ play, listen: made.listen });
    }
    if (good.length > 0) {
      set({ state: 'sending' });
      refused.push(...(await send(type, good)));
      set({ last_sent_at: now() });
    }
    if (refused.length > 0) await outbox.mark(refused, 'refused');
    return 'sent';
  }

  async function run(): Promise<void> {
    await outbox.ensureStarted();
    while (!stopped) {
      if (status.state === 'needs_token') { await sleep(MAX_BACKOFF_MS); continue; }
      // New plays do not cut a back-off short: only the time, or stop.
      while (!stopped && status.retry_at !== null && status.retry_at > now()) await sleep(status.retry_at - now());
      if (stopped) break;
      try {
        const result = await step();
        if (status.failures > 0 || status.retry_at !== null) {
          set({ failures: 0, retry_at: null, last_error: null });
          health?.clear('scrobble');
          log.info('scrobble: the server answers again');
        }
        if (result === 'empty') { set({ state: 'idle' }); await sleep(MAX_BACKOFF_MS); }
      } catch (err) {
        if (stopped) break;
        if (err instanceof ListenBrainzError && err.code === 'LISTENBRAINZ_AUTH') { needsToken(err); continue; }
        if (err instanceof ListenBrainzError && err.code === 'LISTENBRAINZ_RATE_LIMITED') {
          set({ state: 'rate_limited', retry_at: now() + (err.retryAfterMs ?? 10_000), last_error: err.message });
          log.warn({ retry_in_ms: err.retryAfterMs }, 'scrobble: rate limited; waiting as the server asks');
          continue;
        }
        const failures = status.failures + 1;
        const delay = Math.min(MAX_BACKOFF_MS, backoffBaseMs * 2 ** (failures - 1));
        set({ state: 'backing_off', failures, retry_at: now() + delay, last_error: (err as Error).message });
        log.warn({ err, failures, retry_in_ms: delay }, 'scrobble: sending failed; plays stay in the outbox');
        if (failures >= REPORT_AFTER_FAILURES) {
          health?.report('scrobble', { code: err instanceof ListenBrainzError ? err.code : 'LISTENBRAINZ_UNAVAILABLE',
            message: 'The scrobble server has not answered for a while; plays wait in the outbox and are sent as soon as it answers again.' });
        }
      }
    }
    set({ state: 'stopped' });
  }

  /** Tells the server what plays now (`playing_now`), once per track; best effort (never queued, never retried). */
  async function playingNow(np: NowPlaying): Promise<void> {
    if (stopped || !np.active || !np.is_playing || np.content !== 'track' || !np.track_name) { if (!np.active) lastPlaying = null; return; }
    const key = `${np.account}|${np.track_uri ?? np.track_name}|${np.started_at ?? ''}`;
    if (key === lastPlaying || status.state === 'needs_token' || status.state === 'rate_limited' || client.waitMs() > 0) return;
    lastPlaying = key;
    const listen = playingNowOf({ track_name: np.track_name, artists: np.artists, album_name: np.album_name, duration_ms: np.duration_ms, track_uri: np.track_uri }, version);
    if (!listen) return;
    try { await client.submit('playing_now', [listen]); } catch (err) {
      if (err instanceof ListenBrainzError && err.code === 'LISTENBRAINZ_AUTH') { needsToken(err); return; }
      log.debug({ err }, 'scrobble: playing_now not sent');
    }
  }

  return {
    start(): void { if (!loop) loop = run().catch((err: Error) => { log.error({ err }, 'scrobble: sender stopped'); set({ state: 'stopped', last_error: err.message }); }); },
    /** Stops after the request in flight (its mark is written first). Idempotent. */
    async stop(): Promise<void> { stopped = true; wake(); await loop; },
    wake, playingNow,
    status: (): SenderStatus => ({ ...status }),
  };
}

/** The sender instance. */
export type Sender = ReturnType<typeof createSender>;
