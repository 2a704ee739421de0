import { Router, type Request } from 'express';
import { BadParamError, NotFoundError } from '../../errors.js';
import type { EntityKind } from '../../stats/index.js';
import { enumParam, intParam, rangeParams, stringParam } from '../params.js';
import { accountOf, route } from '../route.js';
import type { WebDeps } from '../index.js';

const PLURAL: Record<EntityKind, string> = { artist: 'artists', track: 'tracks', album: 'albums' };

/**
 * Artist, track and album pages (GET /api/v1/artists/:id, /tracks/:id, /albums/:id and their
 * `/streams`), search (GET /search), the history span (GET /span), the year in review
 * (GET /wrapped/:year) and the log count (GET /streams/count). Every one answers a configured
 * account without streams with empty results; an unknown id is 404. Items that can have cover art
 * carry `art_url` (relative to the panel) or null.
 */
export function entityRoutes({ stats, store, art, accounts, now = Date.now }: WebDeps): Router {
  const api = Router();
  const range = (req: Request) => ({ ...rangeParams(req, now(), store.tz.timeZone), account: accountOf(req, accounts) });
  const artOf = (kind: 'album' | 'track', id: number | null | undefined) => art?.pathOf(kind, id) ?? null;
  const withArt = <T extends object>(items: T[], kind: 'album' | 'track', idOf: (item: T) => number | null | undefined) =>
    art ? art.withArt(items, kind, idOf) : items.map((item) => ({ ...item, art_url: null }));
  const idParam = (req: Request) => {
    const id = Number(req.params.id);
    if (!Number.isInteger(id) || id <= 0) throw new BadParamError('id', req.params.id, 'a positive integer id');
    return id;
  };
  const cursor = (req: Request) => {
    const before = stringParam(req, 'before');
    if (before !== undefined && !/^\d+:\d+$/.test(before)) throw new BadParamError('before', before, 'a cursor from a previous page ("ended_at:id")');
    return before;
  };

  for (const kind of ['artist', 'track', 'album'] as const) {
    api.get(`/${PLURAL[kind]}/:id`, route((req) => {
      const id = idParam(req);
      const r = range(req);
      const page = stats.entity(kind, id, r);
      if (!page) throw new NotFoundError(`${kind} ${id}`);
      return { from: r.from, to: r.to, account: r.account, ...page,
        art_url: kind === 'artist' ? null : artOf(kind, id),
        album: page.album ? { ...page.album, art_url: artOf('album', page.album.id) } : null,
        top_tracks: withArt(page.top_tracks, 'track', (t) => t.id),
        top_albums: withArt(page.top_albums, 'album', (a) => a.id),
        most_skipped: withArt(page.most_skipped, 'track', (t) => t.id) };
    }));
    api.get(`/${PLURAL[kind]}/:id/streams`, route((req) => {
      const id = idParam(req);
      const r = range(req);
      const res = stats.entityStreams(kind, id, { ...r, limit: intParam(req, 'limit', 50, 1, 500), before: cursor(req) });
      const refs = stats.trackRefs(res.streams.map((s) => s.track_id));
      return { ...res, streams: withArt(res.streams.map((s) => ({ ...s, ...refs.get(s.track_id) })), 'track', (s) => s.track_id) };
    }));
  }

  api.get('/search', route((req) => {
    const q = stringParam(req, 'q') ?? '';
    const kind = enumParam(req, 'kind', ['all', 'artist', 'track', 'album'] as const, 'all');
    const account = accountOf(req, accounts);
    if (q.trim().length === 0) return { q, artists: [], tracks: [], albums: [] };
    const found = stats.search(q.trim(), account, intParam(req, 'limit', 5, 1, 50), kind === 'all' ? undefined : [kind]);
    return { q, artists: found.artists.map((a) => ({ ...a, art_url: null })), tracks: withArt(found.tracks, 'track', (t) => t.id),
      albums: withArt(found.albums, 'album', (a) => a.id) };
  }));

  api.get('/span', route((req) => stats.span(accountOf(req, accounts))));

  api.get('/wrapped/:year', route((req) => {
    const year = Number(req.params.year);
    if (!Number.isInteger(year) || year < 2000 || year > 2100) throw new BadParamError('year', req.params.year, 'a year from 2000 to 2100');
    const w = stats.wrapped(year, accountOf(req, accounts));
    const refs = stats.trackRefs([...w.top_tracks.map((t) => t.id), ...w.most_skipped.map((t) => Number((t as Record<string, unknown>).id))]);
    const albumArtists = stats.albumArtists(w.top_albums.map((a) => a.id));
    return { ...w, top_tracks: withArt(w.top_tracks.map((t) => ({ ...t, ...refs.get(t.id) })), 'track', (t) => t.id),
      top_albums: withArt(w.top_albums.map((a) => ({ ...a, artist_id: albumArtists.get(a.id) ?? null })), 'album', (a) => a.id),
      most_skipped: withArt(w.most_skipped.map((t) => ({ ...t, ...refs.get(Number((t as Record<string, unknown>).id)) })), 'track', (t) => Number((t as Record<string, unknown>).id)) };
  }));

  api.get('/streams/count', route((req) => {
    const r = range(req);
    return { total: stats.countStreams({ ...r, kind: enumParam(req, 'kind', ['play', 'skip', 'other', 'all'] as const, 'all'),
      artist: stringParam(req, 'artist'), track: stringParam(req, 'track'), q: stringParam(req, 'q') }) };
  }));

  return api;
}
