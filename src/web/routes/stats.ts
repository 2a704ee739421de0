import { Router } from 'express';
import { BadParamError, NotFoundError } from '../../errors.js';
import { enumParam, intParam, rangeParams, stringParam, timeParam, timeZoneParam } from '../params.js';
import { heavyRoute } from '../route.js';
import type { WebDeps } from '../index.js';

/** Read-only listening statistics and the listening log (GET /api/v1/streams, /stats/*, /sessions). */
export function statsRoutes({ stats, store, art, accounts, now = Date.now }: WebDeps): Router {
  const api = Router();
  const tz = () => store.tz.timeZone;
  /** The range and account of a request; an account that is not configured is a bad parameter (a configured one with no data: empty results). */
  const range = (req: Parameters<typeof rangeParams>[0]) => {
    const r = rangeParams(req, now(), tz());
    if (r.account !== undefined && !accounts.includes(r.account)) throw new BadParamError('account', r.account, `one of ${accounts.join(', ')}`);
    return r;
  };
  api.get('/streams', heavyRoute((req) => {
    const r = range(req);
    const before = stringParam(req, 'before');
    if (before !== undefined && !/^\d+:\d+$/.test(before)) throw new BadParamError('before', before, 'a cursor from a previous page ("ended_at:id")');
    const page = stats.streams({ ...r, limit: intParam(req, 'limit', 50, 1, 500), kind: enumParam(req, 'kind', ['play', 'skip', 'other', 'all'] as const, 'all'),
      artist: stringParam(req, 'artist'), track: stringParam(req, 'track'), q: stringParam(req, 'q'), before });
    // Links and art for the panel: the track's primary artist and album, its cover.
    const refs = stats.trackRefs(page.streams.map((s) => s.track_id));
    const arts = art?.pathsOf('track', page.streams.map((s) => s.track_id));
    return { ...page, streams: page.streams.map((s) => ({ ...s, ...refs.get(s.track_id), art_url: arts?.get(s.track_id) ?? null })) };
  }));
  api.get('/stats/summary', heavyRoute((req) => {
    const r = range(req);
    return { from: r.from, to: r.to, ...stats.summary(r) };
  }));
  api.get('/stats/top/:what', heavyRoute((req) => {
    const what = req.params.what;
    if (what !== 'tracks' && what !== 'artists' && what !== 'albums') throw new NotFoundError(`top list "${what}" (tracks, artists, albums)`);
    const r = range(req);
    const items = stats.top(what, r, intParam(req, 'limit', 50, 1, 500), enumParam(req, 'by', ['plays', 'ms'], 'plays'));
    // Links and cover art for the panel: a track's artist and album, an album's artist; art of albums and tracks (artists have no image here).
    const tracks = what === 'tracks' ? stats.trackRefs(items.map((i) => i.id)) : null;
    const albums = what === 'albums' ? stats.albumArtists(items.map((i) => i.id)) : null;
    const arts = what === 'artists' ? null : art?.pathsOf(what === 'albums' ? 'album' : 'track', items.map((i) => i.id));
    return { from: r.from, to: r.to, items: items.map((i) => ({ ...i, ...(tracks?.get(i.id) ?? {}), ...(albums ? { artist_id: albums.get(i.id) ?? null } : {}),
      art_url: arts?.get(i.id) ?? null })) };
  }));
  api.get('/stats/heatmap', heavyRoute((req) => {
    const r = range(req);
    const zone = timeZoneParam(req, tz());
    return { from: r.from, to: r.to, tz: zone, weekdays: 'Monday first', ...stats.heatmap(r, zone) };
  }));
  api.get('/stats/timeline', heavyRoute((req) => {
    const r = range(req);
    const bucket = enumParam(req, 'bucket', ['day', 'week', 'month'], 'day');
    return { from: r.from, to: r.to, bucket, tz: tz(), buckets: stats.timeline(r, bucket) };
  }));
  api.get('/stats/discoveries', heavyRoute((req) => {
    const r = range(req);
    return { from: r.from, to: r.to, ...stats.discoveries(r) };
  }));
  api.get('/stats/skips', heavyRoute((req) => {
    const r = range(req);
    const res = stats.skips(r, intParam(req, 'limit', 20, 1, 200));
    const refs = stats.trackRefs(res.tracks.map((t) => Number((t as Record<string, unknown>).id)));
    return { from: r.from, to: r.to, ...res, tracks: res.tracks.map((t) => ({ ...t, ...refs.get(Number((t as Record<string, unknown>).id)) })) };
  }));
  api.get('/sessions', heavyRoute((req) => {
    const r = range(req);
    return { from: r.from, to: r.to, ...stats.sessions(r, intParam(req, 'limit', 100, 1, 1000)) };
  }));
  api.get('/stats/mood', heavyRoute((req) => {
    const to = req.query.to === undefined ? null : timeParam(req, 'to', now(), tz());
    return { ...stats.mood(stringParam(req, 'account'), to, now()) };
  }));
  return api;
}
