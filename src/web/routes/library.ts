import { Router } from 'express';
import { BadParamError, NotFoundError } from '../../errors.js';
import { route } from '../route.js';
import type { WebDeps } from '../index.js';

/** The music library: status, scan now, audio features of a track. */
export function libraryRoutes({ library, store, log }: WebDeps): Router {
  const api = Router();
  api.get('/library', route(() => library?.status() ?? { roots: [], scanning: false }));
  api.post('/library/scan', route((_req, res) => {
    if (!library) throw new NotFoundError('music library');
    library.scan().catch((err: Error) => log.error({ err }, 'library scan failed'));
    res.status(202);
    return { scanning: true };
  }));
  api.get('/tracks/:id/features', route((req) => {
    const id = Number(req.params.id);
    if (!Number.isInteger(id) || id <= 0) throw new BadParamError('id', req.params.id, 'a track id (positive integer)');
    const features = store.library.featuresOfTrack(id);
    if (!features) throw new NotFoundError(`audio features of track ${id}`);
    return { track_id: id, ...features };
  }));
  return api;
}
