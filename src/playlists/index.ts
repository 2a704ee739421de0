import { DateTime } from '../luxon.js';
import type { Logger } from '../log.js';
import type { Bus } from '../bus.js';
import type { Config } from '../config/index.js';
import type { Health } from '../health.js';
import type { Store } from '../store/index.js';
import { BadParamError, NotFoundError } from '../errors.js';
import type { PlaylistsApi } from '../spotify/index.js';
import { runFeedback } from './feedback.js';
import { createRunner, SCOPE_MESSAGE } from './generate.js';
import { createLastfm } from './lastfm.js';
import { createLikedCache } from './liked.js';
import { localFiles, m3uFileName, renderM3u } from './m3u.js';
import { createRunLog } from './runs.js';
import type { GenresOf, PlaylistKind, PlaylistView, RunFeedback, RunState, RunSummary, RunTrigger } from './types.js';

export { registerPlaylistRecords, RUN_RECORD } from './runs.js';
export { WEIGHTS, MAX_SKIPS } from './rank.js';
export { MAX_PER_ARTIST } from './select.js';
export { MIXTAPE_MIN_MS, MIXTAPE_MAX_MS } from './mixtape.js';
export { SCOPE_MESSAGE } from './generate.js';
export type { GenresOf, PlaylistKind, PlaylistView, RunFeedback, RunState, RunSummary, RunTrack, RunTrigger, SourceName, SourceReport, Exclusion } from './types.js';

/** The options the playlists capability reads. */
export type PlaylistsConfig = Pick<Config, 'vibe_playlists' | 'vibe_playlist_time' | 'vibe_playlist_size' | 'vibe_min_new_ratio' | 'vibe_playlist_mode'
  | 'vibe_recent_days' | 'vibe_mixtape' | 'lastfm_api_key' | 'lastfm_api_url' | 'http_timeout_s' | 'accounts'>;

export interface PlaylistsDeps {
  store: Store; bus: Bus; health: Health; log: Logger;
  config: PlaylistsConfig;
  /** Accounts playlists may be made for (config `accounts`, else `default`). */
  accounts: string[];
  /** Spotify's playlist, library and search calls and each account's granted scopes; null: dry runs from the history alone. */
  spotify: { api: PlaylistsApi; grantedScopes: (account: string) => string[] | null } | null;
  /** Folder of the M3U8 files (main.ts: vibe_m3u_dir, else <data_dir>/playlists). */
  m3uDir: string;
  /** Genres of catalog tracks from the metadata capability; without it genres play no part. */
  genresOf?: GenresOf;
  now?: () => number;
  /** Gap between two uncached Spotify searches (default 250 ms) and Last.fm calls (default 250 ms). */
  searchSpacingMs?: number;
  lastfmSpacingMs?: number;
}

/** A job for src/scheduler.ts: a cron rule (in the configured zone) and what to run. */
export interface ScheduledJob { name: string; cron: string; run: () => Promise<unknown> }

/** A scheduled run that failed because Spotify was busy is tried once more after this long. */
const RETRY_MS = 10 * 60_000;

/**
 * Vibe playlists and weekly mixtapes (issue 13): a daily list per account from its seed profile,
 * candidates from its own history, Spotify search and (optionally) Last.fm, ranked with documented
 * weights (rank.ts) and Vibescope's own skip data, selected with a minimum share of new tracks and at
 * most 2 per artist, written to one Spotify playlist updated in place (2026 API rules) and as an M3U8 of
 * the matched local files; on Mondays a 60–90 minute mixtape of the week's dominant mood. Every run is
 * journaled (start, before the Spotify write, end): one killed mid-way shows as failed after a restart.
 * Register the journal record type first (registerPlaylistRecords in openCore's `register`).
 */
export function createPlaylists(deps: PlaylistsDeps) {
  const { store, log, config, accounts, now = Date.now } = deps;
  const runLog = createRunLog(store);
  const liked = createLikedCache(store, now);
  const lastfm = config.lastfm_api_key
    ? createLastfm({ store, apiKey: config.lastfm_api_key, baseUrl: config.lastfm_api_url, timeoutMs: config.http_timeout_s * 1000, now, spacingMs: deps.lastfmSpacingMs ?? 250 })
    : null;
  const runner = createRunner({ store, bus: deps.bus, health: deps.health, log, runLog, liked, options: config, accounts, spotify: deps.spotify, lastfm,
    genresOf: deps.genresOf, m3uDir: deps.m3uDir, now, searchSpacingMs: deps.searchSpacingMs ?? 250 });
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;
  let unsubscribe: (() => void) | null = null;

  function checkAccount(account: string): void {
    if (!accounts.includes(account)) throw new BadParamError('account', account, `one of ${accounts.join(', ')}`);
  }

  const NO_FEEDBACK: RunFeedback = { hit_rate: null, skip_rate: null, final: true };
  function withFeedback(runs: Omit<RunSummary, 'feedback'>[]): RunSummary[] {
    const byAccount = new Map<string, typeof runs>();
    for (const r of runs) if (r.status === 'success' && !r.dry_run) byAccount.set(r.account, [...(byAccount.get(r.account) ?? []), r]);
    const feedback = new Map<number, RunFeedback>();
    for (const [account, list] of byAccount) {
      const accountId = store.catalog.findAccountId(account);
      if (accountId === undefined) continue;
      const published = list.map((r) => ({ id: r.id, ended_at: r.ended_at!, tracks: runLog.get(r.id)!.tracks }));
      for (const [id, f] of runFeedback(store, accountId, published, now())) feedback.set(id, f);
    }
    return runs.map((r) => ({ ...r, feedback: feedback.get(r.id) ?? NO_FEEDBACK }));
  }

  /** The account's time of the nightly run (HH:MM). */
  function timeOf(account: string): string {
    return config.accounts.find((a) => a.name === account)?.vibe_playlist_time ?? config.vibe_playlist_time;
  }

  function nextRunAt(account: string): number | null {
    if (!config.vibe_playlists) return null;
    const [hour, minute] = timeOf(account).split(':').map(Number) as [number, number];
    let at = DateTime.fromMillis(now(), { zone: store.tz.timeZone }).set({ hour, minute, second: 0, millisecond: 0 });
    if (at.toMillis() <= now()) at = at.plus({ days: 1 });
    return at.toMillis();
  }

  /** The latest playlist of the account for Home Assistant (the sensor's state and attributes), or null. */
  function view(account: string): PlaylistView | null {
    const recent = runLog.published(account, 'vibe', now() - 30 * 86_400_000);
    const latest = recent[0] ?? runLog.published(account, 'vibe', 0)[0];
    if (!latest) return null;
    const run = runLog.get(latest.id)!;
    const accountId = store.catalog.findAccountId(account)!;
    const closed = recent.find((r) => r.ended_at <= now() - 7 * 86_400_000) ?? (latest.ended_at <= now() - 7 * 86_400_000 ? latest : undefined);
    const hit = closed ? runFeedback(store, accountId, [closed], now()).get(closed.id)?.hit_rate ?? null : null;
    return { run_id: run.id, kind: run.kind, name: run.name, url: run.spotify_url, tracks: run.totals.total, new: run.totals.new, generated_at: run.ended_at!, hit_rate: hit };
  }

  async function runScheduled(account: string, kind: PlaylistKind, retry: boolean): Promise<void> {
    if (stopped) return;
    try {
      const { done } = await runner.start(account, kind, false, 'schedule');
      const run = await done;
      if (run.status === 'failed' && retry && run.stage === 'publishing') {
        log.warn({ account, kind, run_id: run.id }, 'playlists: scheduled run failed while writing to Spotify; trying once more in 10 minutes');
        const timer = setTimeout(() => { timers.delete(timer); void runScheduled(account, kind, false); }, RETRY_MS);
        timer.unref();
        timers.add(timer);
      }
    } catch (err) {
      log.warn({ account, kind, err: { message: (err as Error).message } }, 'playlists: scheduled run not started');
    }
  }

  return {
    /**
     * Starts a run of `kind` for `account`; resolves once it is journaled as running, with `done`
     * resolving at its end (success or failed: a failure is in the run, never thrown from `done`).
     * A dry run builds and explains the list and writes nothing (no Spotify call that changes anything, no M3U).
     * @throws BadParamError for an unknown account.
     * @throws VibescopeError CONFLICT (409) when a run of that account is going, or a real run cannot write
     *   (vibe_playlists off, Spotify not connected, the consent lacks the playlist scopes).
     */
    async generate(account: string, options: { kind?: PlaylistKind; dry_run?: boolean; trigger: RunTrigger }): Promise<{ run: RunState; done: Promise<RunState> }> {
      checkAccount(account);
      return runner.start(account, options.kind ?? 'vibe', options.dry_run ?? false, options.trigger);
    },
    /** Runs newest first (GET /api/v1/playlists/runs), each with its feedback. */
    runs(filter: { account?: string | undefined; kind?: PlaylistKind | undefined; limit: number; before?: number | undefined }): RunSummary[] {
      if (filter.account !== undefined) checkAccount(filter.account);
      return withFeedback(runLog.list(filter));
    },
    /** One run with tracks (source, score, why), exclusions, notes and feedback. @throws NotFoundError */
    run(id: number): RunState & { feedback: RunFeedback } {
      const run = runLog.get(id);
      if (!run) throw new NotFoundError(`playlist run ${id}`);
      const { tracks: _t, exclusions: _e, notes: _n, ...summary } = run;
      return { ...run, feedback: withFeedback([summary])[0]!.feedback };
    },
    /**
     * The M3U8 of a run's tracks that are in the local library (rebuilt from the store, so older runs
     * download too). @throws NotFoundError when the run does not exist or none of its tracks has a local file.
     */
    m3u(id: number): { file_name: string; text: string; tracks: number } {
      const run = runLog.get(id);
      if (!run) throw new NotFoundError(`playlist run ${id}`);
      const entries = localFiles(store, run.tracks);
      if (entries.length === 0) throw new NotFoundError(`a local music file for any track of playlist run ${id} (none of them is in your music library)`);
      return { file_name: m3uFileName(run.account, run.kind), text: renderM3u(run.name ?? `Vibescope ${run.kind}`, entries), tracks: entries.length };
    },
    /** What the panel shows for an account: enabled, permission, the schedule, the run going, the latest lists. */
    status(account: string) {
      checkAccount(account);
      const why = runner.cannotWrite(account);
      const latest = (kind: PlaylistKind) => { const r = runLog.list({ account, kind, limit: 1 })[0]; return r ? withFeedback([r])[0]! : null; };
      return {
        account, enabled: config.vibe_playlists, can_write: why === null, message: why, scope_missing: why === SCOPE_MESSAGE,
        running_run_id: runner.runningId(account), time: timeOf(account), next_run_at: nextRunAt(account), mixtape: config.vibe_mixtape,
        mode: config.vibe_playlist_mode, size: config.vibe_playlist_size, min_new_ratio: config.vibe_min_new_ratio, lastfm: lastfm !== null,
        m3u_dir: deps.m3uDir, latest: { vibe: latest('vibe'), mixtape: latest('mixtape') },
      };
    },
    view,
    /**
     * At start-up: marks runs a crash or kill interrupted as failed (journaled), and reports accounts whose
     * consent lacks the playlist scopes while vibe_playlists is on (health `playlists.<account>`).
     * Resolves to how many runs were marked failed.
     */
    async start(): Promise<number> {
      const recovered = await runner.recover();
      if (config.vibe_playlists) {
        for (const account of accounts) {
          if (runner.cannotWrite(account) === SCOPE_MESSAGE) deps.health.report(`playlists.${account}`, { code: 'PLAYLISTS_SCOPE_MISSING', message: SCOPE_MESSAGE });
        }
      }
      // Connecting again with the playlist permission clears the problem at once (not only after the next run).
      unsubscribe ??= deps.bus.on('sync.status', 'playlists', (s) => {
        const open = deps.health.state().problems.find((p) => p.id === `playlists.${s.account}`);
        if (open?.code === 'PLAYLISTS_SCOPE_MISSING' && runner.cannotWrite(s.account) === null) deps.health.clear(`playlists.${s.account}`);
      });
      return recovered;
    },
    /**
     * The nightly jobs (scheduler.ts): per account at its local time, the vibe playlist, and on Mondays
     * after it the mixtape (vibe_mixtape). A run that failed while writing to Spotify is tried once more
     * 10 minutes later. None while vibe_playlists is off.
     */
    scheduledJobs(): ScheduledJob[] {
      if (!config.vibe_playlists) return [];
      return accounts.map((account) => {
        const [hour, minute] = timeOf(account).split(':').map(Number) as [number, number];
        return { name: `playlists.${account}`, cron: `${minute} ${hour} * * *`, run: async () => {
          await runScheduled(account, 'vibe', true);
          if (config.vibe_mixtape && store.tz.buckets(now()).dow === 0) await runScheduled(account, 'mixtape', true);
        } };
      });
    },
    /** Cancels retries and waits up to 2 s for runs in progress (a run cut off here is failed at the next start). Idempotent. */
    async stop(): Promise<void> {
      stopped = true;
      unsubscribe?.();
      unsubscribe = null;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await runner.settle(2_000);
    },
  };
}

/** The playlists capability. */
export type Playlists = ReturnType<typeof createPlaylists>;
