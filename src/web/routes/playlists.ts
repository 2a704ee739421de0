import { Router } from 'express';
import { BadParamError, NotFoundError } from '../../errors.js';
import { accountOf, route } from '../route.js';
import { enumParam, intParam, stringParam } from '../params.js';
import type { WebDeps } from '../index.js';
import { sendArt } from './art.js';

/**
 * Vibe playlists and mixtapes: start a run (POST /playlists/runs {account, dry_run, kind}), the run log
 * (GET /playlists/runs, /playlists/runs/{id} with tracks, sources, exclusions, notes and feedback), the
 * M3U8 download (GET /playlists/runs/{id}/m3u) and the panel's status (GET /playlists/status).
 * A run's tracks carry `track_id` (the store's track when Vibescope knows it, for its page) and
 * `art_url`: the track's art from the art proxy, else its Spotify image through
 * GET /playlists/runs/{id}/tracks/{position}/art (the browser only talks to Vibescope), else null.
 */
export function playlistRoutes({ playlists, accounts, art, store }: WebDeps): Router {
  const api = Router();
  const need = () => {
    if (!playlists) throw new NotFoundError('vibe playlists (not available in this process)');
    return playlists;
  };
  const runId = (value: unknown) => {
    const id = Number(value);
    if (!Number.isInteger(id) || id <= 0) throw new BadParamError('id', value, 'a run id (positive integer)');
    return id;
  };

  api.get('/playlists/status', route((req) => need().status(accountOf(req, accounts))));
  api.post('/playlists/runs', route(async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const dryRun = body.dry_run ?? false;
    if (typeof dryRun !== 'boolean') throw new BadParamError('dry_run', dryRun, 'true or false');
    const kind = body.kind ?? 'vibe';
    if (kind !== 'vibe' && kind !== 'mixtape') throw new BadParamError('kind', kind, 'vibe or mixtape');
    const trigger = body.trigger === 'cli' ? 'cli' : 'api';
    const { run } = await need().generate(accountOf(req, accounts), { kind, dry_run: dryRun, trigger });
    res.status(202);
    return run;
  }));
  api.get('/playlists/runs', route((req) => {
    const account = stringParam(req, 'account');
    if (account !== undefined && !accounts.includes(account)) throw new BadParamError('account', account, `one of ${accounts.join(', ')}`);
    const kind = enumParam(req, 'kind', ['vibe', 'mixtape', 'all'] as const, 'all');
    const before = req.query.before === undefined ? undefined : intParam(req, 'before', 0, 1, Number.MAX_SAFE_INTEGER);
    return { runs: need().runs({ account, kind: kind === 'all' ? undefined : kind, limit: intParam(req, 'limit', 20, 1, 200), before }) };
  }));
  const trackIdOf = (uri: string | null) => (uri ? store.sql.get<{ id: number }>('SELECT id FROM tracks WHERE uri = ?', [uri])?.id ?? null : null);
  api.get('/playlists/runs/:id', route((req) => {
    const run = need().run(runId(req.params.id));
    return { ...run, tracks: run.tracks.map((t) => {
      const trackId = trackIdOf(t.uri);
      const known = art && trackId !== null ? art.pathOf('track', trackId) : null;
      return { ...t, track_id: trackId, art_url: known ?? (art && t.image_url ? `api/v1/playlists/runs/${run.id}/tracks/${t.position}/art` : null) };
    }) };
  }));
  api.get('/playlists/runs/:id/tracks/:position/art', route(async (req, res) => {
    const id = runId(req.params.id);
    const position = Number(req.params.position);
    const track = need().run(id).tracks.find((t) => t.position === position);
    const what = `art of track ${JSON.stringify(req.params.position)} of playlist run ${id}`;
    // The URL is the one Spotify gave for the track; the art capability downloads only from its allowed hosts.
    sendArt(res, art && track?.image_url ? await art.imageOfUrl(track.image_url) : null, req.headers['if-none-match'], what);
    return undefined;
  }));
  api.get('/playlists/runs/:id/m3u', route((req, res) => {
    const file = need().m3u(runId(req.params.id));
    res.attachment(file.file_name).type('audio/x-mpegurl; charset=utf-8').send(file.text);
    return undefined;
  }));
  return api;
}
