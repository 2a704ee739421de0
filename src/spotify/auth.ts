import { createHash, randomBytes } from 'node:crypto';
import axios from 'axios';
import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';
import { SpotifyError, VibescopeError } from '../errors.js';
import type { TokenStore, Tokens } from './token-store.js';

/** The read scopes every install asks for (research/spotify-api.md §3): history, now playing, liked songs, top items. */
export const SCOPES = ['user-read-recently-played', 'user-read-currently-playing', 'user-read-playback-state',
  'user-library-read', 'user-top-read'];

/**
 * Asked for only when the vibe_playlists option is on: writing the vibe playlist and the mixtape
 * (`POST /me/playlists`, `PUT|POST /playlists/{id}/items`). Vibescope never reads the user's playlists,
 * so it does not ask for playlist-read-private.
 */
export const PLAYLIST_SCOPES = ['playlist-modify-private', 'playlist-modify-public'];

/**
 * The scopes a consent asks for: only what the enabled features use
 * (https://developer.spotify.com/documentation/web-api/concepts/scopes).
 */
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

/** What the user pasted, checked: why it cannot be the address Spotify sent the browser to. */
export class CallbackError extends VibescopeError {
  constructor(message: string) { super('BAD_PARAM', message, 400); }
}

/** Authorization codes and our states are URL-safe tokens (RFC 6749 §4.1.2; base64url). */
const TOKEN_RE = /^[A-Za-z0-9._~-]{8,2048}$/;

/**
 * Reads `code` and `state` from the address the browser landed on after the consent, and checks it
 * before any token request (RFC 6749 §10.6, §10.12): an http(s) URL whose scheme, host, port and
 * path are those of the configured `redirectUri`, carrying a well-formed `code` and `state`.
 * @throws CallbackError (400) with a sentence saying what is wrong; VibescopeError SPOTIFY_AUTH when
 * the URL carries Spotify's `error` (the user denied access).
 */
export function parseCallback(input: string, redirectUri: string): { code: string; state: string } {
  const text = input.trim();
  if (!/^https?:\/\//i.test(text)) {
    throw new CallbackError('Paste the whole address from the browser\'s address bar after allowing access (it starts with '
      + `${new URL(redirectUri).origin}).`);
  }
  let url: URL;
  try { url = new URL(text); } catch {
    throw new CallbackError('That is not a complete web address. Copy the whole address from the browser\'s address bar again.');
  }
  const expected = new URL(redirectUri);
  if (url.protocol !== expected.protocol || url.host !== expected.host || url.pathname !== expected.pathname) {
    throw new CallbackError(`That address is not the one Spotify sends you back to (${expected.origin}${expected.pathname}). `
      + 'Copy the address the browser shows after you allow access.');
  }
  const error = url.searchParams.get('error');
  if (error) throw new VibescopeError('SPOTIFY_AUTH', `Spotify says the consent was not given (${error}). Start again and choose Agree.`, 400);
  const code = url.searchParams.get('code');
  const state = url.searchParams.get('state');
  if (!code || !TOKEN_RE.test(code)) throw new CallbackError('That address has no valid code in it. Copy the whole address again, after allowing access.');
  if (!state || !TOKEN_RE.test(state)) throw new CallbackError('That address has no valid state in it. Copy the whole address again, after allowing access.');
  return { code, state };
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
    if (!config.client_id) {
      throw new VibescopeError('SPOTIFY_AUTH', 'No Spotify client ID is set. Create an app at developer.spotify.com, then enter its client ID in the add-on\'s Configuration tab (standalone: VIBESCOPE_CLIENT_ID).', 409);
    }
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
   * Finishes a consent: checks the pasted address (parseCallback) and its `state` against a consent
   * started here, both before any token request, then exchanges the code and stores the tokens.
   * @throws CallbackError for an address that is not the callback, or a state no consent here started;
   * SpotifyError when Spotify refuses the code.
   */
  async function finish(input: string, stateHint?: string): Promise<{ account: string }> {
    requireClient();
    const { code, state } = parseCallback(input, config.redirect_uri);
    if (stateHint !== undefined && stateHint !== state) throw new CallbackError('That address belongs to another connection attempt. Start again.');
    const pending = tokens.pending(state);
    if (!pending) throw new CallbackError('That address belongs to a connection attempt that expired or was not started here. Start again.');
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
