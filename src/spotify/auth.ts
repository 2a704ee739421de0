import { createHash, randomBytes } from 'node:crypto';
import axios from 'axios';
import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';
import { BadParamError, SpotifyError, VibescopeError } from '../errors.js';
import type { TokenStore, Tokens } from './token-store.js';

/** Scopes Vibescope always asks for (research/spotify-api.md §3). */
export const SCOPES = ['user-read-recently-played', 'user-read-currently-playing', 'user-read-playback-state',
  'user-library-read', 'user-top-read', 'playlist-read-private'];

/** Scopes asked for only when the vibe_playlists option is on: writing the vibe playlist and the mixtape. */
export const PLAYLIST_SCOPES = ['playlist-modify-private', 'playlist-modify-public'];

/** The scopes a consent asks for with these options. */
export function scopesFor(config: Pick<Config, 'vibe_playlists'>): string[] {
  return config.vibe_playlists ? [...SCOPES, ...PLAYLIST_SCOPES] : [...SCOPES];
}

/** Refresh this long before the access token expires. */
const REFRESH_MARGIN_MS = 60_000;

const base64url = (buf: Buffer) => buf.toString('base64url');

/** RFC 7636 §4.1-4.2: a 64-byte verifier and its S256 challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = base64url(randomBytes(64));
  return { verifier, challenge: base64url(createHash('sha256').update(verifier).digest()) };
}

/**
 * Reads `code` and `state` from what the user pasted: the whole URL the browser landed on
 * (`http://127.0.0.1:8888/callback?code=…&state=…`), its query string, or the bare code.
 * @throws VibescopeError SPOTIFY_AUTH when the URL carries Spotify's `error` (the user denied access).
 */
export function parseCallback(input: string): { code: string; state: string | null } {
  const text = input.trim();
  if (text === '') throw new BadParamError('url', input, 'the URL the browser landed on, or the code in it');
  let params: URLSearchParams | null = null;
  if (/^https?:\/\//i.test(text)) params = new URL(text).searchParams;
  else if (text.includes('code=') || text.includes('error=')) params = new URLSearchParams(text.replace(/^[^?]*\?/, ''));
  if (!params) return { code: text, state: null };
  const error = params.get('error');
  if (error) throw new VibescopeError('SPOTIFY_AUTH', `Spotify refused the consent: ${error}`, 400);
  const code = params.get('code');
  if (!code) throw new BadParamError('url', '(pasted URL)', 'a URL that contains ?code=…');
  return { code, state: params.get('state') };
}

export interface AuthDeps { config: Config; tokens: TokenStore; log: Logger; now?: () => number;
  /** Called when an account's refresh token is dead (invalid_grant). */
  onNeedsReconnect?: (account: string, reason: string) => void }

/**
 * Authorization Code with PKCE (plus the client secret when configured: the confidential flow), the
 * token refresh, and the per-account access token (https://developer.spotify.com/documentation/web-api/tutorials/code-pkce-flow).
 */
export function createAuth({ config, tokens, log, now = Date.now, onNeedsReconnect }: AuthDeps) {
  const tokenUrl = `${config.spotify_accounts_url.replace(/\/$/, '')}/api/token`;
  const refreshing = new Map<string, Promise<string>>();

  function requireClient(): void {
    if (!config.client_id) throw new VibescopeError('SPOTIFY_AUTH', 'client_id is not set: create a Spotify app and set the client_id option', 409);
  }

  /** Starts a consent for `account`; returns the URL to open. */
  async function start(account: string): Promise<{ url: string; state: string; redirect_uri: string }> {
    requireClient();
    const { verifier, challenge } = pkcePair();
    const state = base64url(randomBytes(16));
    await tokens.addPending(state, { account, code_verifier: verifier, redirect_uri: config.redirect_uri, created_at: now() });
    const url = new URL(`${config.spotify_accounts_url.replace(/\/$/, '')}/authorize`);
    url.search = new URLSearchParams({ client_id: config.client_id, response_type: 'code', redirect_uri: config.redirect_uri,
      code_challenge_method: 'S256', code_challenge: challenge, state, scope: scopesFor(config).join(' ') }).toString();
    return { url: url.toString(), state, redirect_uri: config.redirect_uri };
  }

  async function tokenRequest(form: Record<string, string>, endpoint: string): Promise<Record<string, unknown>> {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (config.client_secret) headers.authorization = `Basic ${Buffer.from(`${config.client_id}:${config.client_secret}`).toString('base64')}`;
    try {
      const res = await axios.post(tokenUrl, new URLSearchParams(form).toString(), { headers, timeout: config.http_timeout_s * 1000, responseType: 'text' });
      const body = JSON.parse(String(res.data)) as Record<string, unknown>;
      if (typeof body.access_token !== 'string') throw new SpotifyError('SPOTIFY_BAD_RESPONSE', endpoint, 'no access_token in the token response');
      return body;
    } catch (err) {
      if (err instanceof SpotifyError) throw err;
      if (err instanceof SyntaxError) throw new SpotifyError('SPOTIFY_BAD_RESPONSE', endpoint, 'the token response is not JSON');
      if (axios.isAxiosError(err) && err.response) {
        let body: Record<string, unknown> = {};
        try { body = JSON.parse(String(err.response.data)) as Record<string, unknown>; } catch { body = {}; } // non-JSON error page
        const code = String(body.error ?? `HTTP ${err.response.status}`);
        const message = `${code}${body.error_description ? `: ${String(body.error_description)}` : ''}`;
        if (code === 'invalid_grant') throw new SpotifyError('SPOTIFY_RECONNECT', endpoint, message, { httpStatus: err.response.status });
        throw new SpotifyError(err.response.status >= 500 ? 'SPOTIFY_UNAVAILABLE' : 'SPOTIFY_AUTH', endpoint, message, { httpStatus: err.response.status });
      }
      throw new SpotifyError('SPOTIFY_UNAVAILABLE', endpoint, (err as Error).message);
    }
  }

  function toTokens(body: Record<string, unknown>, previousRefresh: string | null): Tokens {
    const refresh = typeof body.refresh_token === 'string' ? body.refresh_token : previousRefresh;
    if (!refresh) throw new SpotifyError('SPOTIFY_BAD_RESPONSE', 'token', 'no refresh_token in the token response');
    return { access_token: body.access_token as string, refresh_token: refresh,
      expires_at: now() + Number(body.expires_in ?? 3600) * 1000, scope: String(body.scope ?? '') };
  }

  /**
   * Finishes a consent: checks `state` against a pending consent (with a bare code: the only pending
   * one), exchanges the code, stores the tokens. Returns the account.
   * @throws BadParamError for an unknown or missing state; SpotifyError when Spotify refuses the code.
   */
  async function finish(input: string, stateHint?: string): Promise<{ account: string }> {
    requireClient();
    const { code, state: parsedState } = parseCallback(input);
    let state = parsedState ?? stateHint ?? null;
    if (!state) {
      const pendings = tokens.pendingStates();
      if (pendings.length !== 1) throw new BadParamError('state', null, 'the whole URL the browser landed on (it carries the state)');
      state = pendings[0]![0];
    }
    const pending = tokens.pending(state);
    if (!pending) throw new BadParamError('state', '(from the URL)', 'the state of a consent started here (start again)');
    const body = await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: pending.redirect_uri,
      client_id: config.client_id, code_verifier: pending.code_verifier }, 'POST /api/token (authorization_code)');
    await tokens.updateAccount(pending.account, { tokens: toTokens(body, null), needs_reconnect: false, reconnect_reason: null, connected_at: now() });
    await tokens.removePending(state);
    log.info({ account: pending.account }, 'spotify: account connected');
    return { account: pending.account };
  }

  async function refresh(account: string): Promise<string> {
    const current = tokens.account(account).tokens;
    if (!current) throw new SpotifyError('SPOTIFY_RECONNECT', 'token', `account ${account} is not connected`);
    try {
      const body = await tokenRequest({ grant_type: 'refresh_token', refresh_token: current.refresh_token, client_id: config.client_id },
        'POST /api/token (refresh_token)');
      const next = toTokens(body, current.refresh_token);
      await tokens.updateAccount(account, { tokens: next });
      log.debug({ account, rotated: next.refresh_token !== current.refresh_token }, 'spotify: token refreshed');
      return next.access_token;
    } catch (err) {
      if (err instanceof SpotifyError && err.code === 'SPOTIFY_RECONNECT') {
        await tokens.updateAccount(account, { needs_reconnect: true, reconnect_reason: err.message });
        log.error({ account, reason: err.message }, 'spotify: refresh token rejected, account needs reconnect');
        onNeedsReconnect?.(account, err.message);
      }
      throw err;
    }
  }

  /** A valid access token, refreshed when within a minute of expiry or when `force`. Refreshes are serialized per account. */
  async function accessToken(account: string, force = false): Promise<string> {
    const state = tokens.account(account);
    if (state.needs_reconnect) throw new SpotifyError('SPOTIFY_RECONNECT', 'token', `account ${account} needs reconnect`);
    if (!state.tokens) throw new SpotifyError('SPOTIFY_RECONNECT', 'token', `account ${account} is not connected`);
    if (!force && state.tokens.expires_at - REFRESH_MARGIN_MS > now()) return state.tokens.access_token;
    let running = refreshing.get(account);
    if (!running) {
      running = refresh(account).finally(() => refreshing.delete(account));
      refreshing.set(account, running);
    }
    return running;
  }

  return { start, finish, accessToken };
}

export type Auth = ReturnType<typeof createAuth>;
