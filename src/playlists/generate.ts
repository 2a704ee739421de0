import type { Logger } from '../log.js';
import type { Bus } from '../bus.js';
import type { Health } from '../health.js';
import type { Store } from '../store/index.js';
import { SpotifyError, VibescopeError } from '../errors.js';
import { PLAYLIST_SCOPES, type PlaylistsApi } from '../spotify/index.js';
import { MS_PER_DAY } from '../time.js';
import type { Lastfm } from './lastfm.js';
import type { LikedCache } from './liked.js';
import { localFiles, m3uFileName, renderM3u, writeM3u } from './m3u.js';
import { buildMixtape } from './mixtape.js';
import { formatters, nameAndDescription } from './naming.js';
import { publish } from './publish.js';
import { applyRun, RUN_RECORD, type RunLog } from './runs.js';
import { createSearch } from './search.js';
import type { GenresOf, PlaylistKind, RunState, RunTrigger } from './types.js';
import { buildVibe, describeFailure, type BuiltList } from './vibe.js';

/** The options a run reads (a slice of Config). */
export interface RunOptions {
  vibe_playlists: boolean; vibe_playlist_size: number; vibe_min_new_ratio: number; vibe_playlist_mode: 'replace' | 'new'; vibe_recent_days: number;
}

export interface RunnerDeps {
  store: Store; bus: Bus; health: Health; log: Logger; runLog: RunLog; liked: LikedCache;
  options: RunOptions;
  accounts: string[];
  spotify: { api: PlaylistsApi; grantedScopes: (account: string) => string[] | null } | null;
  lastfm: Lastfm | null;
  genresOf: GenresOf | undefined;
  m3uDir: string;
  now: () => number;
  searchSpacingMs: number;
}

/** A failure whose message is already a sentence for a person. */
class RunFailure extends Error {}

/** Mixtapes do not repeat a track of the last two (weekly) mixtapes. */
const MIXTAPE_FRESHNESS_MS = 14 * MS_PER_DAY;

/** The sentence shown when the consent lacks the playlist scopes. */
export const SCOPE_MESSAGE = 'Spotify has not given Vibescope permission to change playlists. With the vibe_playlists option on, connect Spotify again in Settings: the consent then asks for it.';

/**
 * Runs: one at a time per account, each journaled when it starts, before it writes to Spotify and when
 * it ends (a run killed mid-way shows as failed after the restart: see {@link createRunner} `recover`).
 */
export function createRunner(deps: RunnerDeps) {
  const { store, bus, health, log, runLog, options, now } = deps;
  const running = new Map<string, { id: number; done: Promise<RunState> | null }>();
  const search = deps.spotify ? createSearch({ store, api: deps.spotify.api, now, spacingMs: deps.searchSpacingMs }) : null;

  async function save(run: RunState): Promise<void> {
    await store.exclusive(async () => {
      await store.journalAppend([{ v: 1, t: RUN_RECORD, run }]);
      store.transaction(() => applyRun(store, run));
    });
  }

  /** Why this account cannot write playlists now (a sentence), or null. */
  function cannotWrite(account: string): string | null {
    if (!options.vibe_playlists) return 'Vibe playlists are off. Turn on the vibe_playlists option, then connect Spotify again so Vibescope may write playlists (a dry run works without).';
    const scopes = deps.spotify?.grantedScopes(account) ?? null;
    if (!deps.spotify || scopes === null) return `Spotify is not connected for the account ${account}: connect it in Settings first (a dry run works without).`;
    if (!scopes.includes(PLAYLIST_SCOPES[0]!)) return SCOPE_MESSAGE;
    return null;
  }

  /**
   * Starts a run. Resolves once it is journaled as running, with a promise of its end.
   * @throws VibescopeError CONFLICT (409) when a run of the account is going, or when a real run cannot
   *   write (vibe_playlists off, not connected, consent without the playlist scopes).
   */
  async function start(account: string, kind: PlaylistKind, dryRun: boolean, trigger: RunTrigger): Promise<{ run: RunState; done: Promise<RunState> }> {
    const busy = running.get(account);
    if (busy) throw new VibescopeError('CONFLICT', `A playlist run of the account ${account} is already going${busy.id ? ` (run ${busy.id})` : ''}; wait for it to finish.`, 409);
    if (!dryRun) {
      const why = cannotWrite(account);
      if (why) {
        if (why === SCOPE_MESSAGE) health.report(`playlists.${account}`, { code: 'PLAYLISTS_SCOPE_MISSING', message: why });
        throw new VibescopeError('CONFLICT', why, 409);
      }
    }
    const slot: { id: number; done: Promise<RunState> | null } = { id: 0, done: null };
    running.set(account, slot);
    let run: RunState;
    try {
      run = await store.exclusive(async () => {
        const state: RunState = { id: runLog.nextId(), account, kind, trigger, dry_run: dryRun, status: 'running', stage: 'seed', started_at: now(), ended_at: null,
          totals: { total: 0, new: 0, reused: 0 }, duration_ms: 0, name: null, description: null, spotify_playlist_id: null, spotify_url: null, m3u_path: null,
          m3u_tracks: 0, error: null, sources: [], exclusions: [], notes: [], tracks: [] };
        await store.journalAppend([{ v: 1, t: RUN_RECORD, run: state }]);
        store.transaction(() => applyRun(store, state));
        return state;
      });
    } catch (err) {
      running.delete(account);
      throw err;
    }
    slot.id = run.id;
    log.info({ account, run_id: run.id, kind, dry_run: dryRun, trigger }, 'playlists: run started');
    slot.done = execute(run).finally(() => running.delete(account));
    return { run, done: slot.done };
  }

  async function build(run: RunState, accountId: number): Promise<BuiltList> {
    const f = formatters(store.tz.timeZone);
    if (run.kind === 'mixtape') {
      const recent = new Set(runLog.published(run.account, 'mixtape', now() - MIXTAPE_FRESHNESS_MS).flatMap((r) => r.tracks.map((t) => t.name_key)));
      const m = buildMixtape(store, accountId, now(), recent, f.date);
      if (m.error) throw new RunFailure(m.error);
      return { tracks: m.tracks, exclusions: m.exclusions, notes: m.notes, sources: [{ source: 'library_mood', candidates: m.candidates, status: 'ok', error: null }],
        seed: { top_artists: [], liked: 0, days: 7, used: ['library_mood'], mood: m.mood } };
    }
    const api = deps.spotify && deps.spotify.grantedScopes(run.account) !== null ? deps.spotify.api : null;
    return buildVibe({
      store, log, runLog, liked: deps.liked, lastfm: api ? deps.lastfm : null, genresOf: deps.genresOf, now: now(), date: f.date, weekday: f.weekday(now()),
      spotify: api && search ? { search, syncLiked: () => deps.liked.sync(api, run.account, accountId) } : null,
      options: { size: options.vibe_playlist_size, minNewRatio: options.vibe_min_new_ratio, recentDays: options.vibe_recent_days },
    }, run.account, accountId);
  }

  async function execute(initial: RunState): Promise<RunState> {
    let run = initial;
    const track = (next: RunState) => { run = next; };
    const { account } = run;
    try {
      const accountId = store.catalog.findAccountId(account)!;
      const built = await build(run, accountId);
      const tracks = built.tracks.map((t, position) => ({ ...t, position }));
      const totals = { total: tracks.length, new: tracks.filter((t) => t.is_new).length, reused: tracks.filter((t) => !t.is_new).length };
      const durationMs = tracks.reduce((a, t) => a + (t.duration_ms ?? 0), 0);
      const { name, description } = nameAndDescription(run.kind, now(), store.tz.timeZone, { ...built.seed, total: totals.total, new: totals.new, duration_ms: durationMs });
      run = { ...run, stage: 'ranked', tracks, totals, duration_ms: durationMs, name, description, sources: built.sources, exclusions: built.exclusions, notes: built.notes };
      if (tracks.length === 0) throw new RunFailure('No track could be chosen: every candidate was excluded or none was found (see the sources and exclusions of this run).');
      if (run.dry_run) {
        run.notes = [...run.notes, 'Dry run: nothing was written to Spotify or to the M3U folder.'];
      } else {
        await writeOutputs(run, track);
      }
      run = { ...run, status: 'success', stage: 'done', ended_at: now() };
      await save(run);
      log.info({ account, run_id: run.id, kind: run.kind, dry_run: run.dry_run, ...totals }, 'playlists: run finished');
      if (!run.dry_run) {
        health.clear(`playlists.${account}`);
        bus.emit('playlist.generated', { account, kind: run.kind, run_id: run.id, name: run.name, url: run.spotify_url, tracks: totals.total, new: totals.new,
          generated_at: run.ended_at!, m3u_path: run.m3u_path });
      }
      return run;
    } catch (err) {
      const message = err instanceof RunFailure ? err.message : run.stage === 'publishing' ? publishFailure(err) : `The run stopped unexpectedly: ${describeFailure(err, 'a step')}`;
      if (!(err instanceof RunFailure)) log.error({ account, run_id: run.id, err }, 'playlists: run failed');
      else log.warn({ account, run_id: run.id, reason: message }, 'playlists: run failed');
      run = { ...run, status: 'failed', ended_at: now(), error: message };
      try { await save(run); } catch (saveErr) { log.error({ err: saveErr, run_id: run.id }, 'playlists: the failed run could not be recorded'); }
      if (!run.dry_run) {
        health.report(`playlists.${account}`, { code: 'PLAYLIST_RUN_FAILED', dismissible: true,
          message: `The ${run.kind === 'vibe' ? 'vibe playlist' : 'mixtape'} of ${account} could not be made: ${message}` });
      }
      return run;
    }
  }

  /**
   * Spotify first (journaled before the write), then the M3U (a failure there is a note, not a failed run).
   * `update` sees every new state, so a failure knows how far the run got.
   */
  async function writeOutputs(initial: RunState, update: (run: RunState) => void): Promise<void> {
    let run = initial;
    const set = (next: RunState) => { run = next; update(next); };
    const uris = run.tracks.map((t) => t.uri).filter((u): u is string => u !== null);
    if (uris.length > 0) {
      set({ ...run, stage: 'publishing' });
      await save(run);
      const target = options.vibe_playlist_mode === 'replace' ? runLog.lastPlaylist(run.account, run.kind)?.playlist_id ?? null : null;
      const result = await publish({ api: deps.spotify!.api, account: run.account, uris, name: run.name!, description: run.description!, target,
        onCreated: async (ref) => { set({ ...run, spotify_playlist_id: ref.id, spotify_url: ref.url }); await save(run); } });
      set({ ...run, spotify_playlist_id: result.playlist_id, spotify_url: result.url, notes: [...run.notes, ...result.notes] });
      if (uris.length < run.tracks.length) set({ ...run, notes: [...run.notes, `${run.tracks.length - uris.length} tracks have no Spotify URI and are only in the M3U file.`] });
    } else {
      set({ ...run, notes: [...run.notes, 'None of these tracks has a Spotify URI, so only the M3U file was written.'] });
    }
    set({ ...run, stage: 'm3u' });
    try {
      const entries = localFiles(store, run.tracks);
      if (entries.length === 0) {
        set({ ...run, notes: [...run.notes, 'None of these tracks is in your music library, so no M3U file was written.'] });
      } else {
        const file = await writeM3u(deps.m3uDir, m3uFileName(run.account, run.kind), renderM3u(run.name ?? 'Vibescope', entries));
        set({ ...run, m3u_path: file, m3u_tracks: entries.length });
      }
      health.clear('playlists.m3u');
    } catch (err) {
      log.warn({ err, dir: deps.m3uDir }, 'playlists: M3U not written');
      set({ ...run, notes: [...run.notes, (err as Error).message] });
      health.report('playlists.m3u', { code: 'PLAYLIST_M3U_FAILED', dismissible: true, message: `${(err as Error).message} Check the folder or change the option.` });
    }
  }

  /** The sentence for a failed Spotify write: whether the previous playlist is certainly unchanged. */
  function publishFailure(err: unknown): string {
    const status = err instanceof SpotifyError ? err.httpStatus : undefined;
    const certain = err instanceof SpotifyError && (err.code === 'SPOTIFY_RATE_LIMITED' || (status !== undefined && status >= 400 && status < 500));
    const reason = err instanceof SpotifyError && err.code === 'SPOTIFY_RATE_LIMITED' ? `Spotify asked Vibescope to wait ${err.retryAfterS ?? '?'} s`
      : err instanceof SpotifyError && (err.code === 'SPOTIFY_AUTH' || err.code === 'SPOTIFY_RECONNECT') ? 'Spotify refused the write (connect Spotify again in Settings if this repeats)'
        : status ? `Spotify answered HTTP ${status}` : 'Spotify did not answer';
    return certain ? `Writing the playlist to Spotify failed: ${reason}. Your previous playlist was left as it was.`
      : `Writing the playlist to Spotify failed: ${reason}. Your previous playlist is most likely unchanged; the next run replaces it in full.`;
  }

  /**
   * Marks runs that were still running when the process died as failed (journaled), at start-up.
   * Resolves to how many there were.
   */
  async function recover(): Promise<number> {
    const stale = runLog.running();
    for (const run of stale) {
      const error = run.stage === 'publishing' || run.stage === 'm3u'
        ? 'Vibescope stopped while this playlist was being written to Spotify; the playlist there may already show this list. The next run replaces it in full.'
        : 'Vibescope stopped before this run finished (a restart or a crash); nothing was written to Spotify.';
      await save({ ...run, status: 'failed', ended_at: now(), error, notes: [...run.notes, 'Marked failed at the next start of Vibescope.'] });
      log.warn({ run_id: run.id, account: run.account, stage: run.stage }, 'playlists: an interrupted run was marked failed');
    }
    return stale.length;
  }

  return {
    start, recover, cannotWrite,
    /** The id of the account's run in progress, or null. */
    runningId: (account: string): number | null => running.get(account)?.id || null,
    /** Resolves when every run in progress has ended (or after `timeoutMs`). */
    async settle(timeoutMs: number): Promise<void> {
      const pending = [...running.values()].map((r) => r.done).filter(Boolean);
      await Promise.race([Promise.allSettled(pending), new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    },
  };
}

export type Runner = ReturnType<typeof createRunner>;
