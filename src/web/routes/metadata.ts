import { Router } from 'express';
import { NotFoundError } from '../../errors.js';
import { enumParam, intParam, rangeParams, stringParam } from '../params.js';
import { accountOf, route } from '../route.js';
import type { WebDeps } from '../index.js';

/**
 * Genres, countries, eras, obscurity and the enrichment status (issue 11). Without the metadata
 * capability (not wired) the statistics answer empty and the status says it is off.
 */
export function metadataRoutes({ metadata, store, accounts, now = Date.now }: WebDeps): Router {
  const api = Router();
  const range = (req: Parameters<typeof rangeParams>[0]) => {
    const r = rangeParams(req, now(), store.tz.timeZone);
    if (r.account !== undefined) accountOf(req, accounts);
    return r;
  };
  const empty = { plays: 0, plays_with_data: 0 };

  api.get('/stats/top/genres', route((req) => {
    const r = range(req);
    const limit = intParam(req, 'limit', 50, 1, 500);
    const by = enumParam(req, 'by', ['plays', 'ms'] as const, 'plays');
    return { from: r.from, to: r.to, by, ...(metadata?.stats.topGenres(r, limit, by) ?? { items: [], coverage: empty }) };
  }));
  api.get('/stats/genres/timeline', route((req) => {
    const r = range(req);
    const bucket = enumParam(req, 'bucket', ['week', 'month'] as const, 'month');
    const top = intParam(req, 'top', 10, 1, 50);
    return { from: r.from, to: r.to, bucket, tz: store.tz.timeZone, ...(metadata?.stats.genreTimeline(r, bucket, top) ?? { genres: [], buckets: [] }) };
  }));
  api.get('/stats/countries', route((req) => {
    const r = range(req);
    return { from: r.from, to: r.to, ...(metadata?.stats.countries(r) ?? { items: [], coverage: empty }) };
  }));
  api.get('/stats/eras', route((req) => {
    const r = range(req);
    return { from: r.from, to: r.to, ...(metadata?.stats.eras(r) ?? { years: [], decades: [], mean_year: null, coverage: empty }) };
  }));
  api.get('/stats/obscurity', route((req) => {
    const r = range(req);
    const limit = intParam(req, 'limit', 20, 1, 200);
    const token = metadata?.summary().token ?? 'none';
    return { from: r.from, to: r.to, popularity_available: token === 'ok',
      ...(metadata?.stats.obscurity(r, limit) ?? { score: null, median_listeners: null, below: [], most_obscure: [], coverage: empty }) };
  }));
  api.get('/tracks/:id/metadata', route((req) => {
    const id = Number(req.params.id);
    const found = Number.isInteger(id) && id > 0 ? metadata?.track(id) ?? null : null;
    if (!found) throw new NotFoundError(`track ${JSON.stringify(req.params.id)}`);
    return found;
  }));
  api.get('/artists/:id/genres', route((req) => {
    const id = Number(req.params.id);
    if (!Number.isInteger(id) || id <= 0 || !store.sql.get('SELECT 1 AS x FROM artists WHERE id = ?', [id])) throw new NotFoundError(`artist ${JSON.stringify(req.params.id)}`);
    const account = stringParam(req, 'account');
    if (account !== undefined) accountOf(req, accounts);
    return { artist_id: id, genres: metadata?.stats.artistGenres(id, account) ?? [] };
  }));
  api.get('/enrichment', route(() => metadata?.status() ?? { enabled: false, state: 'disabled', message: 'Metadata enrichment is not running.' }));
  return api;
}
