import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';
import type { Bus } from '../bus.js';
import type { Ingest } from '../ingest/index.js';
import { SpotifyError, StorageError } from '../errors.js';
import type { Health } from '../health.js';
import type { NowPlaying, SyncStatus } from '../types.js';
import { createAuth } from './auth.js';
import { createSpotifyClient } from './http.js';
import { createHistoryPoller } from './poller.js';
import { createPlayerWatcher } from './watcher.js';
import type { TokenStore } from './token-store.js';
import { createTracksApi } from './tracks-api.js';
import { createProfileApi } from './profile-api.js';
import { createPlaylistsApi } from './playlists-api.js';

export { openTokenStore, SETTINGS_FILE } from './token-store.js';
export type { TokenStore } from './token-store.js';
export { parseCallback, CallbackError, SCOPES, PLAYLIST_SCOPES, scopesFor } from './auth.js';
export type { TracksApi, SpotifyImage } from './tracks-api.js';
export { createPlaylistsApi, playlistUrl, SEARCH_MAX_LIMIT, SAVED_TRACKS_MAX_LIMIT, PLAYLIST_ITEMS_MAX } from './playlists-api.js';
export type { PlaylistsApi, SavedTrack, PlaylistRef } from './playlists-api.js';
export { createPlayerStateMachine, createPlayerWatcher, toObservation } from './watcher.js';

export interface SpotifyDeps {
  config: Config; tokens: TokenStore; ingest: Ingest; bus: Bus; log: Logger;
  /** Open storage problems keep a poll's status at error (a later successful poll never hides them). */
  health?: Health;
  /** Accounts streams may belong to (config `accounts`, else `default`). */
  accounts: string[];
  now?: () => number;
}

/** How long stop() waits for polls in flight. */
const STOP_WAIT_MS = 3_000;

interface Loop { timer: NodeJS.Timeout | null; running: Promise<unknown> | null }

/**
 * Spotify for every connected account: consent (PKCE), the history poller (every
 * history_poll_interval_s) and the player watcher (every player_poll_interval_s, sooner near a track's
 * end). Each account has a sync status, emitted as `sync.status` when it changes. A dead refresh token
 * stops that account's loops until it is connected again (no retry loop).
 */
export function createSpotify({ config, tokens, ingest, bus, log, accounts, health, now = Date.now }: SpotifyDeps) {
  const status = new Map<string, SyncStatus>();
  const workers = new Map<string, { poller: ReturnType<typeof createHistoryPoller>; watcher: ReturnType<typeof createPlayerWatcher> }>();
  const loops = new Map<string, { history: Loop; player: Loop }>();
  let started = false;

  function setStatus(account: string, patch: Partial<SyncStatus>): void {
    const prev = status.get(account) ?? { account, state: 'not_connected', last_poll_at: null, last_success_at: null, last_error: null };
    const next = { ...prev, ...patch };
    status.set(account, next);
    if (prev.state !== next.state || prev.last_error !== next.last_error || prev.last_success_at !== next.last_success_at) bus.emit('sync.status', next);
  }

  const auth = createAuth({
    config, tokens, log: log.child({ module: 'spotify.auth' }), now,
    onNeedsReconnect: (account, reason) => { setStatus(account, { state: 'needs_reconnect', last_error: reason }); stopAccount(account); },
  });
  const client = createSpotifyClient({ config, auth, log: log.child({ module: 'spotify.http' }) });
  const tracks = createTracksApi(client);
  const profile = createProfileApi(client);
  /** Remembers who connected (for "Connected as …"); a failure only costs the name. */
  async function rememberProfile(account: string): Promise<void> {
    try {
      const me = await profile.me(account);
      await tokens.updateAccount(account, { spotify_user_id: me.spotify_user_id, display_name: me.display_name });
    } catch (err) {
      log.warn({ account, err: { message: (err as Error).message } }, 'spotify: could not read the profile (the panel shows the account name instead)');
    }
  }

  function initialState(account: string): SyncStatus['state'] {
    const state = tokens.account(account);
    return state.needs_reconnect ? 'needs_reconnect' : state.tokens ? 'ok' : 'not_connected';
  }
  for (const account of accounts) setStatus(account, { state: initialState(account), last_error: tokens.account(account).reconnect_reason });

  /** Runs one poll of a kind and books the outcome; resolves to the delay to the next one. */
  async function runPoll(account: string, kind: 'history' | 'player', fn: () => Promise<number | unknown>): Promise<number> {
    const interval = (kind === 'history' ? config.history_poll_interval_s : config.player_poll_interval_s) * 1000;
    try {
      const result = await fn();
      const storage = health?.state().problems.find((p) => p.id === 'storage');
      // Spotify answered, but plays cannot be stored: the failure stays visible until storage works again.
      if (storage) setStatus(account, { state: 'error', last_poll_at: now(), last_success_at: now(), last_error: storage.message });
      else setStatus(account, { state: 'ok', last_poll_at: now(), last_success_at: now(), last_error: null });
      return typeof result === 'number' ? result : interval;
    } catch (err) {
      if (err instanceof StorageError) {
        setStatus(account, { state: 'error', last_poll_at: now(), last_error: err.message });
        log.error({ account, kind, err }, 'spotify: polled, but the plays could not be stored (nothing was lost at Spotify: the cursor did not move)');
        return interval;
      }
      const e = err instanceof SpotifyError ? err : null;
      if (e?.code === 'SPOTIFY_RECONNECT') return -1;
      const state = e?.code === 'SPOTIFY_RATE_LIMITED' ? 'rate_limited' : 'error';
      setStatus(account, { state, last_poll_at: now(), last_error: (err as Error).message });
      log.warn({ account, kind, err: { message: (err as Error).message, code: e?.code } }, 'spotify: poll failed');
      return Math.max(interval, (e?.retryAfterS ?? 0) * 1000);
    }
  }

  function schedule(account: string, loop: Loop, kind: 'history' | 'player', fn: () => Promise<number | unknown>, delay: number): void {
    if (!started || !loops.has(account)) return;
    loop.timer = setTimeout(() => {
      loop.timer = null;
      loop.running = runPoll(account, kind, fn).then((next) => {
        loop.running = null;
        if (next >= 0) schedule(account, loop, kind, fn, next);
      });
    }, delay);
    loop.timer.unref?.();
  }

  /** The poller and watcher of a connected account (created once; they keep the player state). */
  function workersOf(account: string) {
    let entry = workers.get(account);
    if (!entry) {
      const childLog = log.child({ module: 'spotify', account });
      entry = {
        poller: createHistoryPoller({ account, client, ingest, tokens, log: childLog }),
        watcher: createPlayerWatcher({ account, client, ingest, bus, intervalMs: config.player_poll_interval_s * 1000,
          skipThresholdMs: config.skip_threshold_s * 1000, now }),
      };
      workers.set(account, entry);
    }
    return entry;
  }

  function startAccount(account: string): void {
    if (!started || loops.has(account) || initialState(account) !== 'ok') return;
    const { poller, watcher } = workersOf(account);
    const entry = { history: { timer: null, running: null } as Loop, player: { timer: null, running: null } as Loop };
    loops.set(account, entry);
    schedule(account, entry.history, 'history', () => poller.pollOnce(), 0);
    schedule(account, entry.player, 'player', () => watcher.pollOnce(), 0);
    log.info({ account }, 'spotify: polling started');
  }

  function stopAccount(account: string): void {
    const entry = loops.get(account);
    if (!entry) return;
    for (const loop of [entry.history, entry.player]) if (loop.timer) clearTimeout(loop.timer);
    loops.delete(account);
  }

  return {
    /** Starts polling every connected account. */
    start(): void { started = true; for (const account of accounts) startAccount(account); },
    /** Stops polling and waits for polls in flight. Idempotent. */
    async stop(): Promise<void> {
      const running = [...loops.values()].flatMap((e) => [e.history.running, e.player.running]).filter(Boolean);
      started = false;
      for (const account of [...loops.keys()]) stopAccount(account);
      // A poll in flight finishes on its own (its records are journaled as they come); wait briefly, not for retries.
      await Promise.race([Promise.allSettled(running), new Promise((resolve) => setTimeout(resolve, STOP_WAIT_MS).unref())]);
    },
    /** Starts a consent for `account`. @throws VibescopeError when client_id is missing or the account unknown. */
    async startConnect(account: string) {
      if (!accounts.includes(account)) throw new SpotifyError('SPOTIFY_AUTH', 'connect', `unknown account "${account}" (configured: ${accounts.join(', ')})`);
      return auth.start(account);
    },
    /** Finishes a consent with the URL the browser landed on (or the bare code) and starts polling. */
    async finishConnect(input: string, state?: string) {
      const { account } = await auth.finish(input, state);
      setStatus(account, { state: 'ok', last_error: null });
      startAccount(account);
      await rememberProfile(account);
      return { account, display_name: tokens.account(account).display_name };
    },
    /** Polls an account now (history and player); resolves when both are done. */
    async syncNow(account: string): Promise<SyncStatus> {
      if (initialState(account) !== 'ok') throw new SpotifyError('SPOTIFY_RECONNECT', 'sync', `account ${account} is ${initialState(account).replace('_', ' ')}`);
      const entry = workersOf(account);
      await runPoll(account, 'history', () => entry.poller.pollOnce());
      await runPoll(account, 'player', () => entry.watcher.pollOnce());
      return status.get(account)!;
    },
    /**
     * Forgets an account's tokens (the user disconnects in Settings) and stops its polling; its
     * streams stay. Connecting again starts a fresh consent.
     */
    async disconnect(account: string): Promise<SyncStatus> {
      if (!accounts.includes(account)) throw new SpotifyError('SPOTIFY_AUTH', 'disconnect', `unknown account "${account}" (configured: ${accounts.join(', ')})`);
      stopAccount(account);
      await tokens.updateAccount(account, { tokens: null, needs_reconnect: false, reconnect_reason: null, display_name: null, spotify_user_id: null });
      setStatus(account, { state: 'not_connected', last_error: null });
      log.info({ account }, 'spotify: account disconnected');
      return status.get(account)!;
    },
    /** Accounts with a usable token now (connected, not waiting for a reconnect). */
    connectedAccounts: (): string[] => accounts.filter((a) => initialState(a) === 'ok'),
    /** Single-track look-ups (GET /tracks/{id}) through the shared client. */
    tracks,
    status: (account: string): SyncStatus | undefined => status.get(account),
    statuses: (): SyncStatus[] => [...status.values()],
    nowPlaying: (account: string): NowPlaying | null => workers.get(account)?.watcher.nowPlaying() ?? null,
    /** Liked songs, search and playlist writes (the vibe playlists), over the same client. */
    playlistsApi: createPlaylistsApi(client),
    /** The scopes an account's consent granted (Spotify's token response), or null when it is not connected. */
    grantedScopes: (account: string): string[] | null => {
      const state = tokens.account(account);
      return state.tokens && !state.needs_reconnect ? state.tokens.scope.split(/\s+/).filter(Boolean) : null;
    },
  };
}

export type Spotify = ReturnType<typeof createSpotify>;
