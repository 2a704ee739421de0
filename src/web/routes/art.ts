import { Router, type Response } from 'express';
import { BadParamError, NotFoundError } from '../../errors.js';
import { route } from '../route.js';
import type { ArtImage } from '../../art/index.js';
import type { WebDeps } from '../index.js';

/** Cached in the browser for a week (the bytes behind one art URL do not change); revalidated by ETag. */
const CACHE_CONTROL = 'private, max-age=604800';

/**
 * Sends an image with a week's browser cache and its ETag (304 when the browser has it).
 * @throws NotFoundError `what` when there is no image (yet) or it is gone: the panel shows a letter tile.
 */
export function sendArt(res: Response, image: ArtImage | null | 'gone', ifNoneMatch: string | undefined, what: string): void {
  if (!image || image === 'gone') throw new NotFoundError(what);
  res.set({ 'cache-control': CACHE_CONTROL, etag: image.etag });
  if (ifNoneMatch === image.etag) { res.status(304).end(); return; }
  res.type(image.type).send(image.bytes);
}

/**
 * Cover art served from Vibescope itself (GET /api/v1/art/album/:id, /art/track/:id,
 * /art/now-playing/:account), so the panel loads images from its own origin only. 404 when there is no
 * art (yet): the panel shows a letter tile.
 */
export function artRoutes({ art, spotify, accounts }: WebDeps): Router {
  const api = Router();
  const send = sendArt;
  const idParam = (value: unknown) => {
    const id = Number(value);
    if (!Number.isInteger(id) || id <= 0) throw new BadParamError('id', value, 'a positive integer id');
    return id;
  };
  for (const kind of ['album', 'track'] as const) {
    api.get(`/art/${kind}/:id`, route(async (req, res) => {
      const id = idParam(req.params.id);
      if (!art) throw new NotFoundError(`art of ${kind} ${id}`);
      send(res, await art.image(kind, id), req.headers['if-none-match'], `art of ${kind} ${id}`);
    }));
  }
  api.get('/art/now-playing/:account', route(async (req, res) => {
    const account = req.params.account as string;
    if (!accounts.includes(account)) throw new NotFoundError(`account "${account}"`);
    const url = spotify.nowPlaying(account)?.album_art_url ?? null;
    if (!art || !url) throw new NotFoundError(`art of what ${account} is playing`);
    send(res, await art.imageOfUrl(url), req.headers['if-none-match'], `art of what ${account} is playing`);
  }));
  return api;
}
