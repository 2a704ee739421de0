import { Router } from 'express';
import { BadParamError } from '../../errors.js';
import { EXPORT_TYPES } from '../../exports/index.js';
import { enumParam, intParam, rangeParams, stringParam } from '../params.js';
import { route } from '../route.js';
import type { WebDeps } from '../index.js';

/**
 * Exports and backups (src/exports/):
 * - `GET /exports/streams.csv|json|jsonl?from&to&account&kind`: the streams, streamed (bounded memory);
 * - `GET /exports/top.m3u8?from&to&account&limit`, `GET /exports/plays.m3u8?…`: playlists of matched local files;
 * - `POST /backup`: a consistent backup archive (.tar.gz) as the response;
 * - `POST /backup/pause {ms}`, `POST /backup/resume`: Home Assistant's backup_pre / backup_post hooks.
 */
export function exportRoutes({ exports, backups, store, accounts, log, now = Date.now }: WebDeps): Router {
  const api = Router();
  const query = (req: Parameters<typeof rangeParams>[0]) => {
    const r = rangeParams(req, now(), store.tz.timeZone);
    const account = stringParam(req, 'account');
    if (account !== undefined && !accounts.includes(account)) throw new BadParamError('account', account, `one of ${accounts.join(', ')}`);
    return { from: r.from, to: r.to, account };
  };
  const fileName = (what: string, account: string | undefined, ext: string) =>
    `vibescope-${what}-${account ?? 'all'}-${new Date(now()).toISOString().slice(0, 10)}.${ext}`;

  api.get('/exports/streams.:format', route(async (req, res) => {
    if (!exports) throw new BadParamError('format', req.params.format, 'an export this server offers (exports are off)');
    const format = req.params.format as string;
    if (format !== 'csv' && format !== 'json' && format !== 'jsonl') throw new BadParamError('format', format, 'csv, json or jsonl');
    const q = { ...query(req), kind: enumParam(req, 'kind', ['play', 'skip', 'other', 'all'] as const, 'all') };
    res.status(200).type(EXPORT_TYPES[format].mime).attachment(fileName('streams', q.account, EXPORT_TYPES[format].ext));
    try {
      const result = await exports.writeStreams(format, q, res);
      res.end();
      log.info({ format, ...q, streams: result.streams, bytes: result.bytes, complete: result.complete }, 'export written');
    } catch (err) {
      // Halfway through a download nothing can be answered any more: cut it, so the client sees it incomplete.
      log.error({ err, format }, 'export failed midway');
      res.destroy(err as Error);
    }
  }));

  api.get('/exports/:what.m3u8', route(async (req, res) => {
    const what = req.params.what as string;
    if (what !== 'top' && what !== 'plays') throw new BadParamError('playlist', what, 'top or plays');
    if (!exports) throw new BadParamError('playlist', what, 'an export this server offers (exports are off)');
    const q = query(req);
    const playlist = await exports.playlist(what, q, intParam(req, 'limit', what === 'top' ? 50 : 500, 1, 5000));
    res.status(200).type(EXPORT_TYPES.m3u8.mime).attachment(fileName(what, q.account, 'm3u8'))
      .set('x-vibescope-missing-files', String(playlist.missing)).send(playlist.text);
  }));

  api.post('/backup', route(async (_req, res) => {
    if (!backups) throw new BadParamError('backup', null, 'a server with backups (not available here)');
    let started = false;
    try {
      await backups.backup(res, { onReady: () => {
        started = true;
        res.status(200).type('application/gzip').attachment(`vibescope-backup-${new Date(now()).toISOString().slice(0, 10)}.tar.gz`);
      } });
    } catch (err) {
      if (!started) throw err;
      log.error({ err }, 'backup download failed midway');
      res.destroy(err as Error);
    }
  }));
  api.post('/backup/pause', route(async (req) => {
    if (!backups) throw new BadParamError('backup', null, 'a server with backups (not available here)');
    const ms = typeof req.body?.ms === 'number' ? req.body.ms : undefined;
    return backups.pause(ms);
  }));
  api.post('/backup/resume', route(() => {
    if (!backups) throw new BadParamError('backup', null, 'a server with backups (not available here)');
    return backups.resume();
  }));
  return api;
}
