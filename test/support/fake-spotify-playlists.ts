import { randomBytes } from 'node:crypto';
import express, { type Express, type Request, type Response } from 'express';
import { fixture } from './fixtures.js';

/**
 * The fake Spotify's liked songs, search and playlist endpoints (2026 development-mode rules,
 * research/spotify-api.md §2), built on the real recorded responses in test/fixtures/api
 * (java_saved-tracks.json, java_search-tracks.json, java_create-playlist.json,
 * java_add-items-to-playlist.json). Enforced: search limit <= 10 and offset <= 1000, saved tracks
 * limit <= 50, at most 100 URIs per items request, 404 for unknown playlists; the removed endpoints
 * (`/users/{id}/playlists`, `/playlists/{id}/tracks`, recommendations, related artists, artist top tracks,
 * audio features, batch tracks/artists) answer 403 (404 for related artists), as they do for a
 * development-mode app. Every write (POST/PUT/DELETE) is counted.
 */

/** A track of the fake catalog: its object (the real search result's shape) and the genres search matches. */
export interface CatalogEntry { track: any; genres: string[] }
export interface FakePlaylist { id: string; name: string; description: string | null; public: boolean; items: string[]; snapshots: number }

/** Paths of endpoints removed for development-mode apps (February 2026, November 2024). */
export const REMOVED_ENDPOINTS: RegExp[] = [/^\/v1\/users\/[^/]+\/playlists/, /^\/v1\/playlists\/[^/]+\/tracks/, /^\/v1\/recommendations/,
  /^\/v1\/artists\/[^/]+\/(related-artists|top-tracks)/, /^\/v1\/audio-(features|analysis)/, /^\/v1\/tracks$/, /^\/v1\/artists$/];

const key = (text: string) => text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();

/**
 * A catalog track built from the real search result (fixture), with its id, name, artist, album,
 * duration and ISRC changed.
 */
export function catalogTrack(t: { id: string; name: string; artist: string; artistId?: string; album?: string; isrc?: string | null; durationMs?: number }): any {
  const base = fixture('api/java_search-tracks.json').tracks.items[0];
  const artistId = t.artistId ?? `ar${Buffer.from(key(t.artist)).toString('hex').slice(0, 20)}`;
  const artist = { ...base.artists[0], id: artistId, name: t.artist, uri: `spotify:artist:${artistId}`,
    href: `https://api.spotify.com/v1/artists/${artistId}`, external_urls: { spotify: `https://open.spotify.com/artist/${artistId}` } };
  return { ...base, id: t.id, uri: `spotify:track:${t.id}`, name: t.name, duration_ms: t.durationMs ?? base.duration_ms,
    href: `https://api.spotify.com/v1/tracks/${t.id}`, external_urls: { spotify: `https://open.spotify.com/track/${t.id}` },
    external_ids: t.isrc === null ? {} : { isrc: t.isrc ?? base.external_ids.isrc }, artists: [artist],
    album: { ...base.album, id: `al${t.id.slice(0, 20)}`, name: t.album ?? `${t.name} (single)`, artists: [artist] } };
}

type Helpers = {
  applyFault: (req: Request, res: Response, path: string) => Promise<boolean>;
  authorized: (req: Request, res: Response) => boolean;
};

/** Mounts the endpoints on the fake's app; returns their state (catalog, liked songs, playlists, writes). */
export function mountPlaylists(app: Express, { applyFault, authorized }: Helpers) {
  const state = {
    catalog: [] as CatalogEntry[],
    /** Liked songs: `added_at` ISO strings and track objects, any order (served newest first). */
    saved: [] as { added_at: string; track: any }[],
    playlists: new Map<string, FakePlaylist>(),
    writes: [] as { method: string; path: string; at: number }[],
    /** Calls to removed endpoints (a test asserts there are none). */
    removedCalls: [] as { method: string; path: string }[],
  };
  const json = express.json({ limit: '1mb' });
  const error = (res: Response, status: number, message: string) => res.status(status).json({ error: { status, message } });

  app.use('/v1', (req, _res, next) => {
    if (req.method !== 'GET') state.writes.push({ method: req.method, path: `/v1${req.path}`, at: Date.now() });
    next();
  });
  for (const re of REMOVED_ENDPOINTS) {
    app.all(re, (req, res) => {
      state.removedCalls.push({ method: req.method, path: req.path });
      if (/related-artists/.test(req.path)) error(res, 404, 'Not Found');
      else error(res, 403, 'Forbidden');
    });
  }

  app.get('/v1/me/tracks', async (req, res) => {
    if (await applyFault(req, res, req.path)) return;
    if (!authorized(req, res)) return;
    const limit = Number(req.query.limit ?? 20); const offset = Number(req.query.offset ?? 0);
    if (!Number.isInteger(limit) || limit < 1 || limit > 50) { error(res, 400, 'Invalid limit'); return; }
    const sorted = [...state.saved].sort((a, b) => Date.parse(b.added_at) - Date.parse(a.added_at));
    const page = sorted.slice(offset, offset + limit);
    const base = fixture('api/java_saved-tracks.json');
    const href = (o: number) => `https://api.spotify.com/v1/me/tracks?offset=${o}&limit=${limit}`;
    res.json({ ...base, href: href(offset), items: page, limit, offset, total: sorted.length,
      next: offset + limit < sorted.length ? href(offset + limit) : null, previous: offset > 0 ? href(Math.max(0, offset - limit)) : null });
  });

  app.get('/v1/search', async (req, res) => {
    if (await applyFault(req, res, req.path)) return;
    if (!authorized(req, res)) return;
    const q = String(req.query.q ?? ''); const type = String(req.query.type ?? '');
    const limit = Number(req.query.limit ?? 5); const offset = Number(req.query.offset ?? 0);
    if (!type.split(',').includes('track')) { error(res, 400, 'Bad search type field'); return; }
    if (!Number.isInteger(limit) || limit < 0 || limit > 10) { error(res, 400, 'Invalid limit'); return; }
    if (!Number.isInteger(offset) || offset < 0 || offset > 1000) { error(res, 400, 'Invalid offset'); return; }
    const filters: Record<string, string> = {};
    const free = q.replace(/(\w+):"([^"]*)"/g, (_m, f: string, v: string) => { filters[f] = key(v.trim()); return ''; }).trim();
    const matches = state.catalog.filter(({ track, genres }) => {
      if (filters.artist && !track.artists.some((a: any) => key(a.name).includes(filters.artist!))) return false;
      if (filters.track && !key(track.name).includes(filters.track)) return false;
      if (filters.genre && !genres.some((g) => key(g) === filters.genre)) return false;
      if (free && !key(`${track.name} ${track.artists.map((a: any) => a.name).join(' ')}`).includes(key(free))) return false;
      return true;
    });
    const base = fixture('api/java_search-tracks.json').tracks;
    const href = (o: number) => `https://api.spotify.com/v1/search?query=${encodeURIComponent(q)}&type=track&offset=${o}&limit=${limit}`;
    res.json({ tracks: { ...base, href: href(offset), items: matches.slice(offset, offset + limit).map((m) => m.track), limit, offset, total: matches.length,
      next: offset + limit < matches.length ? href(offset + limit) : null, previous: offset > 0 ? href(Math.max(0, offset - limit)) : null } });
  });

  app.post('/v1/me/playlists', json, async (req, res) => {
    if (await applyFault(req, res, req.path)) return;
    if (!authorized(req, res)) return;
    const body = req.body as { name?: unknown; description?: unknown; public?: unknown };
    if (typeof body?.name !== 'string' || body.name === '') { error(res, 400, 'Missing required field: name'); return; }
    const id = randomBytes(16).toString('base64url').replace(/[-_]/g, 'x').slice(0, 22);
    const playlist: FakePlaylist = { id, name: body.name, description: typeof body.description === 'string' ? body.description : null,
      public: body.public !== false, items: [], snapshots: 1 };
    state.playlists.set(id, playlist);
    const { tracks: _old, ...base } = fixture('api/java_create-playlist.json');
    res.status(201).json({ ...base, id, name: playlist.name, description: playlist.description, public: playlist.public,
      href: `https://api.spotify.com/v1/playlists/${id}`, uri: `spotify:playlist:${id}`, external_urls: { spotify: `https://open.spotify.com/playlist/${id}` },
      owner: { ...base.owner, id: 'vibescope-test-user', uri: 'spotify:user:vibescope-test-user' },
      items: { href: `https://api.spotify.com/v1/playlists/${id}/items`, items: [], limit: 100, next: null, offset: 0, previous: null, total: 0 } });
  });

  function playlistOf(req: Request, res: Response): FakePlaylist | null {
    const p = state.playlists.get(String(req.params.id));
    if (!p) { error(res, 404, 'Resource not found'); return null; }
    return p;
  }
  function urisOf(req: Request, res: Response): string[] | null {
    const uris = (req.body as { uris?: unknown })?.uris;
    if (!Array.isArray(uris)) { error(res, 400, 'Missing uris'); return null; }
    if (uris.length > 100) { error(res, 400, 'Too many ids requested'); return null; }
    if (!uris.every((u) => typeof u === 'string' && /^spotify:(track|episode):[A-Za-z0-9]+$/.test(u))) { error(res, 400, 'Invalid track uri'); return null; }
    return uris as string[];
  }
  const snapshot = (p: FakePlaylist) => ({ snapshot_id: `${fixture('api/java_add-items-to-playlist.json').snapshot_id.slice(0, 40)}${++p.snapshots}` });

  app.put('/v1/playlists/:id', json, async (req, res) => {
    if (await applyFault(req, res, req.path)) return;
    if (!authorized(req, res)) return;
    const p = playlistOf(req, res); if (!p) return;
    const body = req.body as { name?: unknown; description?: unknown; public?: unknown };
    if (typeof body?.name === 'string') p.name = body.name;
    if (typeof body?.description === 'string') p.description = body.description;
    if (typeof body?.public === 'boolean') p.public = body.public;
    res.status(200).end();
  });
  app.put('/v1/playlists/:id/items', json, async (req, res) => {
    if (await applyFault(req, res, req.path)) return;
    if (!authorized(req, res)) return;
    const p = playlistOf(req, res); if (!p) return;
    const uris = urisOf(req, res); if (!uris) return;
    p.items = [...uris];
    res.status(200).json(snapshot(p));
  });
  app.post('/v1/playlists/:id/items', json, async (req, res) => {
    if (await applyFault(req, res, req.path)) return;
    if (!authorized(req, res)) return;
    const p = playlistOf(req, res); if (!p) return;
    const uris = urisOf(req, res); if (!uris) return;
    const position = (req.body as { position?: unknown }).position;
    if (typeof position === 'number') p.items.splice(position, 0, ...uris); else p.items.push(...uris);
    res.status(201).json(snapshot(p));
  });
  app.get('/v1/playlists/:id/items', async (req, res) => {
    if (await applyFault(req, res, req.path)) return;
    if (!authorized(req, res)) return;
    const p = playlistOf(req, res); if (!p) return;
    const byUri = new Map(state.catalog.map((c) => [c.track.uri, c.track]));
    res.json({ href: `https://api.spotify.com/v1/playlists/${p.id}/items`, limit: 100, next: null, offset: 0, previous: null, total: p.items.length,
      items: p.items.map((uri) => ({ added_at: new Date().toISOString(), item: byUri.get(uri) ?? null })) });
  });

  return state;
}

export type FakePlaylistsState = ReturnType<typeof mountPlaylists>;
