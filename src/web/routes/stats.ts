import { Router } from 'express';
import { BadParamError, NotFoundError } from '../../errors.js';
import { enumParam, intParam, rangeParams, stringParam, timeParam, timeZoneParam } from '../params.js';
import { route } from '../route.js';
import type { WebDeps } from '../index.js';

/** Read-only listening statistics and the listening log (GET /api/v1/streams, /stats/*, /sessions). */
export function statsRoutes({ stats, store, art, now = Date.now }: WebDeps): Router {
  const api = Router();
  const tz = () => store.tz.timeZone;
  const range = (req: Parameters<typeof rangeParams>[0]) => rangeParams(req, now(), tz());
  api.get('/streams', route((req) => {
    const r = range(req);
    const before = stringParam(req, 'before');
    if (before !== undefined && !/^\d+:\d+$/.test(before)) throw new BadParamError('before', before, 'a cursor from a previous page ("ended_at:id")');
    const page = stats.streams({ ...r, limit: intParam(req, 'limit', 50, 1, 500), kind: enumParam(req, 'kind', ['play', 'skip', 'other', 'all'] as const, 'all'),
      artist: stringParam(req, 'artist'), track: stringParam(req, 'track'), q: stringParam(req, 'q'), before });
    return { ...page, streams: page.streams.map((s) => ({ ...s, art_url: art?.pathOf('track', s.track_id) ?? null })) };
  }));
  api.get('/stats/summary', route((req) => {
    const r = range(req);
    return { from: r.from, to: r.to, ...stats.summary(r) };
  }));
  api.get('/stats/top/:what', route((req) => {
    const what = req.params.what;
    if (what !== 'tracks' && what !== 'artists' && what !== 'albums') throw new NotFoundError(`top list "${what}" (tracks, artists, albums)`);
    const r = range(req);
    const items = stats.top(what, r, intParam(req, 'limit', 50, 1, 500), enumParam(req, 'by', ['plays', 'ms'], 'plays'));
    // Cover art: an album's or a track's (artists have no image of their own here).
    return { from: r.from, to: r.to, items: items.map((i) => ({ ...i, art_url: what === 'artists' ? null : art?.pathOf(what === 'albums' ? 'album' : 'track', i.id) ?? null })) };
  }));
  api.get('/stats/heatmap', route((req) => {
    const r = range(req);
    const zone = timeZoneParam(req, tz());
    return { from: r.from, to: r.to, tz: zone, weekdays: 'Monday first', ...stats.heatmap(r, zone) };
  }));
  api.get('/stats/timeline', route((req) => {
    const r = range(req);
    const bucket = enumParam(req, 'bucket', ['day', 'week', 'month'], 'day');
    return { from: r.from, to: r.to, bucket, tz: tz(), buckets: stats.timeline(r, bucket) };
  }));
  api.get('/stats/discoveries', route((req) => {
    const r = range(req);
    return { from: r.from, to: r.to, ...stats.discoveries(r) };
  }));
  api.get('/stats/skips', route((req) => {
    const r = range(req);
    return { from: r.from, to: r.to, ...stats.skips(r, intParam(req, 'limit', 20, 1, 200)) };
  }));
  api.get('/sessions', route((req) => {
    const r = range(req);
    return { from: r.from, to: r.to, ...stats.sessions(r, intParam(req, 'limit', 100, 1, 1000)) };
  }));
  api.get('/stats/mood', route((req) => {
    const to = req.query.to === undefined ? null : timeParam(req, 'to', now(), tz());
    return { ...stats.mood(stringParam(req, 'account'), to, now()) };
  }));
  return api;
}
