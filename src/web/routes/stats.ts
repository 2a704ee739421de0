import { Router } from 'express';
import { BadParamError, NotFoundError } from '../../errors.js';
import { enumParam, intParam, rangeParams, stringParam, timeParam, timeZoneParam } from '../params.js';
import { heavyRoute } from '../route.js';
import type { WebDeps } from '../index.js';

/** Read-only listening statistics and the listening log (GET /api/v1/streams, /stats/*, /sessions). */
export function statsRoutes({ stats, store, now = Date.now }: WebDeps): Router {
  const api = Router();
  const tz = () => store.tz.timeZone;
  const range = (req: Parameters<typeof rangeParams>[0]) => rangeParams(req, now(), tz());
  api.get('/streams', heavyRoute((req) => {
    const r = range(req);
    const before = stringParam(req, 'before');
    if (before !== undefined && !/^\d+:\d+$/.test(before)) throw new BadParamError('before', before, 'a cursor from a previous page ("ended_at:id")');
    return stats.streams({ ...r, limit: intParam(req, 'limit', 50, 1, 500), kind: enumParam(req, 'kind', ['play', 'skip', 'other', 'all'] as const, 'all'),
      artist: stringParam(req, 'artist'), track: stringParam(req, 'track'), q: stringParam(req, 'q'), before });
  }));
  api.get('/stats/summary', heavyRoute((req) => {
    const r = range(req);
    return { from: r.from, to: r.to, ...stats.summary(r) };
  }));
  api.get('/stats/top/:what', heavyRoute((req) => {
    const what = req.params.what;
    if (what !== 'tracks' && what !== 'artists' && what !== 'albums') throw new NotFoundError(`top list "${what}" (tracks, artists, albums)`);
    const r = range(req);
    return { from: r.from, to: r.to, items: stats.top(what, r, intParam(req, 'limit', 50, 1, 500), enumParam(req, 'by', ['plays', 'ms'], 'plays')) };
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
    return { from: r.from, to: r.to, ...stats.skips(r, intParam(req, 'limit', 20, 1, 200)) };
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
