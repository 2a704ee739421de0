import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { Server } from 'node:http';
import express, { type Request, type Response } from 'express';
import { fixture } from './fixtures.js';
import { mountTracks, tracksState } from './fake-spotify-tracks.js';
import { mountPlaylists } from './fake-spotify-playlists.js';

/** A fault the fake injects into the next request(s) of a path. */
export type Fault =
  | { status: number; retryAfterS?: number; body?: string }
  | { delayMs: number }
  | { malformed: true }
  | { drop: true };

export interface RecordedRequest { at: number; method: string; path: string; query: Record<string, unknown>; authorization: string | undefined; form?: Record<string, string> }

/** An item for recently-played: a real track object (from the fixtures) and when it ended. */
export interface RecentItem { track: any; played_at: string; context?: any }

/**
 * A fake Spotify (accounts + Web API) on 127.0.0.1 that replays real recorded responses
 * (test/fixtures/api), follows scripted player states and injects faults. Real PKCE: the code is
 * only exchanged with the verifier whose S256 challenge came with /authorize.
 */
export async function startFakeSpotify() {
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  const requests: RecordedRequest[] = [];
  const faults = new Map<string, Fault[]>();
  const codes = new Map<string, { challenge: string; redirect_uri: string; client_id: string }>();
  const validTokens = new Set<string>();
  const refreshTokens = new Set<string>();
  const state = {
    /** GET /me/player body; null answers 204 */
    player: null as any,
    /** recently-played items, any order */
    recent: [] as RecentItem[],
    /** 'rotate': refresh returns a new refresh_token; 'keep': none; 'invalid_grant': refresh fails */
    refreshMode: 'rotate' as 'rotate' | 'keep' | 'invalid_grant',
    tokenLifetimeS: 3600,
    ...tracksState(),
  };

  function takeFault(path: string): Fault | undefined {
    const list = faults.get(path);
    return list?.shift();
  }

  async function applyFault(req: Request, res: Response, path: string): Promise<boolean> {
    const fault = takeFault(path);
    if (!fault) return false;
    if ('delayMs' in fault) { await new Promise((r) => setTimeout(r, fault.delayMs)); return false; }
    if ('drop' in fault) { req.socket.destroy(); return true; }
    if ('malformed' in fault) { res.status(200).type('application/json').send('{"items": [ {"track": '); return true; }
    if (fault.retryAfterS !== undefined) res.set('Retry-After', String(fault.retryAfterS));
    res.status(fault.status).type('application/json').send(fault.body ?? JSON.stringify({ error: { status: fault.status, message: `injected ${fault.status}` } }));
    return true;
  }

  function issue(): Record<string, unknown> {
    const body = fixture('api/java_token_authorization-code.json');
    body.access_token = `at-${randomBytes(8).toString('hex')}`;
    body.refresh_token = `rt-${randomBytes(8).toString('hex')}`;
    body.expires_in = state.tokenLifetimeS;
    validTokens.add(body.access_token);
    refreshTokens.add(body.refresh_token);
    return body;
  }

  app.use((req, _res, next) => {
    requests.push({ at: Date.now(), method: req.method, path: req.path, query: { ...req.query }, authorization: req.headers.authorization,
      form: req.method === 'POST' ? { ...req.body } : undefined });
    next();
  });

  app.get('/authorize', (req, res) => {
    const q = req.query as Record<string, string>;
    if (q.code_challenge_method !== 'S256' || !q.code_challenge || !q.state) { res.status(400).send('bad authorize request'); return; }
    const code = `code-${randomBytes(6).toString('hex')}`;
    codes.set(code, { challenge: q.code_challenge, redirect_uri: q.redirect_uri!, client_id: q.client_id! });
    res.redirect(302, `${q.redirect_uri}?code=${code}&state=${encodeURIComponent(q.state)}`);
  });

  app.post('/api/token', async (req, res) => {
    if (await applyFault(req, res, '/api/token')) return;
    const form = req.body as Record<string, string>;
    if (form.grant_type === 'authorization_code') {
      const pending = codes.get(form.code ?? '');
      const challenge = createHash('sha256').update(form.code_verifier ?? '').digest('base64url');
      if (!pending || pending.challenge !== challenge || pending.redirect_uri !== form.redirect_uri) {
        res.status(400).json({ error: 'invalid_grant', error_description: 'Invalid authorization code' }); return;
      }
      codes.delete(form.code!);
      res.json(issue()); return;
    }
    if (form.grant_type === 'refresh_token') {
      if (state.refreshMode === 'invalid_grant' || !refreshTokens.has(form.refresh_token ?? '')) {
        res.status(400).json({ error: 'invalid_grant', error_description: 'Refresh token revoked' }); return;
      }
      const body = issue();
      if (state.refreshMode === 'keep') { refreshTokens.delete(body.refresh_token as string); delete body.refresh_token; }
      else refreshTokens.delete(form.refresh_token!);
      res.json(body); return;
    }
    res.status(400).json({ error: 'unsupported_grant_type' });
  });

  function authorized(req: Request, res: Response): boolean {
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (!validTokens.has(token)) { res.status(401).json({ error: { status: 401, message: 'The access token expired' } }); return false; }
    return true;
  }

  app.get('/v1/me/player/recently-played', async (req, res) => {
    if (await applyFault(req, res, '/v1/me/player/recently-played')) return;
    if (!authorized(req, res)) return;
    const after = req.query.after ? Number(req.query.after) : null;
    const limit = Number(req.query.limit ?? 20);
    const items = state.recent
      .filter((i) => after === null || Date.parse(i.played_at) > after)
      .sort((a, b) => Date.parse(b.played_at) - Date.parse(a.played_at))
      .slice(0, limit)
      .map((i) => ({ track: i.track, played_at: i.played_at, context: i.context ?? null }));
    const times = items.map((i) => Date.parse(i.played_at));
    res.json({ items, next: null, limit, href: req.originalUrl,
      cursors: items.length ? { after: String(Math.max(...times)), before: String(Math.min(...times)) } : null });
  });

  app.get('/v1/me/player', async (req, res) => {
    if (await applyFault(req, res, '/v1/me/player')) return;
    if (!authorized(req, res)) return;
    if (state.player === null) { res.status(204).end(); return; }
    res.json(state.player);
  });

  mountTracks(app, { state, authorized, applyFault });
  const playlists = mountPlaylists(app, { applyFault, authorized });

  const server: Server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}`;

  return {
    url, apiUrl: `${url}/v1`, accountsUrl: url, state, requests, playlists,
    /** Queues faults for the next requests of `path` (e.g. '/v1/me/player'). */
    fault(path: string, ...list: Fault[]) { faults.set(path, [...(faults.get(path) ?? []), ...list]); },
    /** Drops every queued fault (the outage is over). */
    clearFaults() { faults.clear(); },
    /** Issues a token pair the fake accepts (to pre-connect an account without the consent flow). */
    grant(): { access_token: string; refresh_token: string; expires_in: number } { return issue() as any; },
    /** Invalidates every access token (the next API call gets 401). */
    expireAccessTokens() { validTokens.clear(); },
    /** Plays the browser: follows /authorize and returns the URL it lands on (the redirect). */
    async consent(authorizeUrl: string): Promise<string> {
      const res = await fetch(authorizeUrl, { redirect: 'manual' });
      const location = res.headers.get('location');
      if (res.status !== 302 || !location) throw new Error(`consent failed: ${res.status}`);
      return location;
    },
    count(path: string) { return requests.filter((r) => r.path === path).length; },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type FakeSpotify = Awaited<ReturnType<typeof startFakeSpotify>>;

/** A real track object from the fixtures, with its id/uri/name/duration changed. */
export function trackObject(n: number, durationMs = 200_000, name = `Song ${n}`): any {
  const base = fixture('api/java_track.json');
  const id = `track${String(n).padStart(17, '0')}`;
  return { ...base, id, uri: `spotify:track:${id}`, name, duration_ms: durationMs };
}

/** A player state (the real GET /me/player fixture) playing `track` at `progressMs`. */
export function playerState(track: any, progressMs: number, extra: Record<string, unknown> = {}): any {
  const base = fixture('api/java_player-state_track.json');
  return { ...base, item: track, progress_ms: progressMs, is_playing: true, currently_playing_type: 'track', ...extra };
}
