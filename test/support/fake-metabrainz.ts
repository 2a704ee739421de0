import { once } from 'node:events';
import type { Server } from 'node:http';
import express, { type Request, type Response } from 'express';
import { REAL, looseKey, mbArea, mbArtist, mbRecording, recordingEntry, releaseGroupEntry, type World, type WorldRecording } from './metabrainz-world.js';

/** A fault injected into the next request(s) of a path prefix. */
export type Fault = { status: number; body?: string } | { hangMs: number } | { malformed: true } | { drop: true };

export interface FakeRequest { at: number; method: string; path: string; status: number; mbids?: string[]; names?: string[] }

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** MusicBrainz's User-Agent rule: "Application/version ( contact )" (https://musicbrainz.org/doc/MusicBrainz_API/Rate_Limiting). */
const USER_AGENT_RE = /^[^/\s]+\/[^\s]+ \( ?\S+ ?\)$/;

function faultsOf() {
  const faults: { prefix: string; fault: Fault }[] = [];
  return {
    add(prefix: string, fault: Fault, times = 1): void { for (let i = 0; i < times; i++) faults.push({ prefix, fault }); },
    take(path: string): Fault | undefined {
      const i = faults.findIndex((f) => path.startsWith(f.prefix));
      return i < 0 ? undefined : faults.splice(i, 1)[0]!.fault;
    },
    clear(): void { faults.length = 0; },
  };
}

/** Applies a fault; true when it answered (or dropped) the request. */
async function applyFault(fault: Fault | undefined, req: Request, res: Response): Promise<boolean> {
  if (!fault) return false;
  if ('hangMs' in fault) { await new Promise((r) => setTimeout(r, fault.hangMs)); if (!res.writableEnded) req.socket.destroy(); return true; }
  if ('drop' in fault) { req.socket.destroy(); return true; }
  if ('malformed' in fault) { res.status(200).type('application/json').send('{"8f3471b5-7e6a-48da-86a9-c1c07a0f47ae": {"tag": {"recording": [ {"count": '); return true; }
  res.status(fault.status).type('application/json').send(fault.body ?? JSON.stringify({ code: fault.status, error: `injected ${fault.status}` }));
  return true;
}

async function listen(app: express.Express, port = 0): Promise<{ server: Server; url: string }> {
  const server = app.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address() as { port: number };
  return { server, url: `http://127.0.0.1:${address.port}` };
}

/**
 * A fake ListenBrainz API on 127.0.0.1 (listenbrainz-server webserver/views/metadata_api.py and
 * popularity_api.py): POST /1/metadata/lookup/ (token, ≤ 50), POST /1/metadata/recording/ (≤ 1000),
 * GET /1/metadata/release_group/, POST /1/popularity/recording (token, ≤ 1000). Every answer carries
 * X-RateLimit-Limit/-Remaining/-Reset-In/-Reset for a fixed window; past the limit it answers 429.
 */
export async function startFakeListenBrainz(world: World, { tokens = ['lb-test-token'], limit = 60, windowMs = 10_000, port = 0 } = {}) {
  const app = express();
  app.use(express.json({ limit: '2mb' }));
  const requests: FakeRequest[] = [];
  const faults = faultsOf();
  const served = { recordings: new Map<string, Record<string, unknown>>(), releaseGroups: new Map<string, Record<string, unknown>>(),
    popularity: new Map<string, { listeners: number | null }>(), lookups: new Map<string, string | null>() };
  const state = { limit, windowMs, windowStart: Date.now(), used: 0, storm: 0, tokens: new Set(tokens) };
  const unknownMbids = new Set<string>();

  app.use(async (req, res, next) => {
    const t = Date.now();
    if (t - state.windowStart >= state.windowMs) { state.windowStart = t; state.used = 0; }
    state.used++;
    const resetIn = Math.max(1, Math.ceil((state.windowStart + state.windowMs - t) / 1000));
    const over = state.used > state.limit || state.storm > 0;
    res.set({ 'X-RateLimit-Limit': String(state.limit), 'X-RateLimit-Remaining': String(Math.max(0, state.limit - state.used)),
      'X-RateLimit-Reset-In': String(state.storm > 0 ? 1 : resetIn), 'X-RateLimit-Reset': String(Math.ceil((state.windowStart + state.windowMs) / 1000)) });
    const record: FakeRequest = { at: t, method: req.method, path: req.path, status: 0 };
    requests.push(record);
    res.on('finish', () => { record.status = res.statusCode; });
    if (over) {
      if (state.storm > 0) state.storm--;
      res.status(429).json({ code: 429, error: 'You have exceeded your rate limit. See the X-RateLimit-* response headers for more information on your current rate limit.' });
      return;
    }
    if (await applyFault(faults.take(req.path), req, res)) return;
    (req as Request & { record?: FakeRequest }).record = record;
    next();
  });

  function authorized(req: Request, res: Response): boolean {
    const header = req.get('authorization');
    if (!header) { res.status(401).json({ code: 401, error: 'You need to provide an Authorization header.' }); return false; }
    const token = header.split(' ')[1];
    if (!header.startsWith('Token ') || !token || !state.tokens.has(token)) { res.status(401).json({ code: 401, error: 'Invalid authorization token.' }); return false; }
    return true;
  }
  const recordOf = (req: Request) => (req as Request & { record?: FakeRequest }).record!;

  app.post('/1/metadata/lookup/', (req, res) => {
    if (!authorized(req, res)) return;
    const recordings = req.body?.recordings;
    if (!Array.isArray(recordings) || recordings.length === 0) { res.status(400).json({ code: 400, error: 'recordings is invalid or not present in body' }); return; }
    if (recordings.length > 50) { res.status(400).json({ code: 400, error: 'Number of recordings in request body exceeds maximum permitted. (50)' }); return; }
    recordOf(req).names = recordings.map((r: any) => `${r.artist_name}|${r.recording_name}`);
    const out = recordings.map((r: any, index: number) => {
      if (!r.artist_name) return null;
      const base = { artist_name_arg: r.artist_name, recording_name_arg: r.recording_name, release_name_arg: r.release_name ?? null, index };
      const key = world.keyOf(r.artist_name, r.recording_name);
      const rec = world.byName.get(key);
      served.lookups.set(key, rec ? rec.mbid : null);
      if (!rec) return base;
      // The real lookup answer's keys (mb_lookup_metadata_example.json), with this recording's values.
      const match = { ...REAL.lookup, artist_credit_name: rec.artist.name, artist_mbids: [rec.artist.mbid], recording_mbid: rec.mbid,
        recording_name: rec.title, release_mbid: rec.release.mbid, release_name: rec.release.name, artist_credit_id: 1 };
      if (world.decoys.has(key)) Object.assign(match, { recording_name: 'Never Gonna Give You Up', artist_credit_name: 'Rick Astley' });
      return { ...base, ...match };
    });
    if (out.some((o: unknown) => o === null)) { res.status(400).json({ code: 400, error: 'Recording artist_name is invalid or not present' }); return; }
    res.json(out);
  });

  app.post('/1/metadata/recording/', (req, res) => {
    const mbids = req.body?.recording_mbids;
    if (!Array.isArray(mbids) || mbids.some((m) => typeof m !== 'string' || !UUID_RE.test(m))) { res.status(400).json({ code: 400, error: 'recording_mbid is not valid.' }); return; }
    if (mbids.length === 0) { res.status(400).json({ code: 400, error: 'At least one valid recording_mbid must be present.' }); return; }
    if (mbids.length > 1000) { res.status(400).json({ code: 400, error: 'Maximum number of recordings_mbids that can be fetched at once is 1000' }); return; }
    if (typeof req.body.inc !== 'string' || req.body.inc.split(' ').some((i: string) => !['artist', 'tag', 'release', 'recording', 'release_group'].includes(i))) {
      res.status(400).json({ code: 400, error: 'invalid inc argument' }); return;
    }
    recordOf(req).mbids = mbids;
    const incs = new Set(req.body.inc.split(' '));
    const out: Record<string, unknown> = {};
    for (const mbid of mbids) {
      const rec = world.recordings.get(mbid);
      if (!rec || unknownMbids.has(mbid)) continue;
      const entry = recordingEntry(rec) as Record<string, unknown>;
      for (const k of ['artist', 'tag', 'release']) if (!incs.has(k)) delete entry[k];
      served.recordings.set(mbid, entry);
      out[mbid] = entry;
    }
    res.json(out);
  });

  app.get('/1/metadata/release_group/', (req, res) => {
    const list = String(req.query.release_group_mbids ?? '');
    if (!list) { res.status(400).json({ code: 400, error: 'release_group_mbids argument must be present' }); return; }
    const mbids = list.split(',').map((m) => m.trim());
    if (mbids.some((m) => !UUID_RE.test(m))) { res.status(400).json({ code: 400, error: 'Release group mbid is not valid.' }); return; }
    recordOf(req).mbids = mbids;
    const out: Record<string, unknown> = {};
    for (const mbid of mbids) {
      const group = world.releaseGroups.get(mbid);
      if (!group || unknownMbids.has(mbid)) continue;
      const rec = [...world.recordings.values()].find((r) => r.release.group.mbid === mbid);
      const entry = releaseGroupEntry(group, rec);
      served.releaseGroups.set(mbid, entry);
      out[mbid] = entry;
    }
    res.json(out);
  });

  app.post('/1/popularity/recording', (req, res) => {
    if (!authorized(req, res)) return;
    const mbids = req.body?.recording_mbids;
    if (!Array.isArray(mbids) || mbids.length === 0 || mbids.some((m) => typeof m !== 'string' || !UUID_RE.test(m))) {
      res.status(400).json({ code: 400, error: 'recording_mbids JSON element must be present and contain a list of recording_mbids' }); return;
    }
    if (mbids.length > 1000) { res.status(400).json({ code: 400, error: 'Maximum number of recording_mbids that can be fetched at once is 1000' }); return; }
    recordOf(req).mbids = mbids;
    res.json(mbids.map((mbid: string) => {
      const rec: WorldRecording | undefined = world.recordings.get(mbid);
      const known = rec && rec.listeners !== null && !unknownMbids.has(mbid);
      served.popularity.set(mbid, { listeners: known ? rec.listeners : null });
      return { recording_mbid: mbid, total_listen_count: known ? rec.listens : null, total_user_count: known ? rec.listeners : null };
    }));
  });

  app.use((req, res) => { res.status(404).json({ code: 404, error: `no such endpoint ${req.method} ${req.path}` }); });
  const { server, url } = await listen(app, port);
  return {
    url, requests, served, state, unknownMbids,
    /** Injects a fault into the next `times` requests whose path starts with `prefix`. */
    fault: (prefix: string, fault: Fault, times = 1) => faults.add(prefix, fault, times),
    clearFaults: () => faults.clear(),
    /** The next `n` requests answer 429 (X-RateLimit-Reset-In: 1). */
    storm(n: number): void { state.storm = n; },
    close: async () => { server.closeAllConnections(); await new Promise<void>((r) => server.close(() => r())); },
  };
}

/**
 * A fake MusicBrainz ws/2 on 127.0.0.1: ISRC lookup, recording search, artist and area lookups,
 * answering the real JSON shapes (test/fixtures/musicbrainz). Rules of the real service: a meaningful
 * User-Agent (else 403), fmt=json (else it answers XML), and one request per `intervalMs` per client
 * (else 503, as musicbrainz.org does; 10 % slack for arrival jitter).
 */
export async function startFakeMusicBrainz(world: World, { intervalMs = 1000 } = {}) {
  const app = express();
  const requests: FakeRequest[] = [];
  const faults = faultsOf();
  const state = { intervalMs, last: 0, unknownArtists: new Set<string>(), notIndexed: new Set<string>() };

  app.use(async (req, res, next) => {
    const t = Date.now();
    const record: FakeRequest = { at: t, method: req.method, path: req.path, status: 0 };
    requests.push(record);
    res.on('finish', () => { record.status = res.statusCode; });
    const ua = req.get('user-agent') ?? '';
    if (!USER_AGENT_RE.test(ua)) { res.status(403).type('text/plain').send('Please provide a meaningful User-Agent: https://musicbrainz.org/doc/MusicBrainz_API/Rate_Limiting'); return; }
    // Arrival times jitter (here: the client shares this process's event loop), so 10 % (at least 10 ms) of slack.
    const early = t - state.last < state.intervalMs - Math.max(10, state.intervalMs * 0.1);
    state.last = t;
    if (early) {
      res.status(503).type('application/json').send(JSON.stringify({ error: 'Your requests are exceeding the allowable rate limit. Please see https://wiki.musicbrainz.org/XMLWebService for more information.' }));
      return;
    }
    if (req.query.fmt !== 'json' && !(req.get('accept') ?? '').includes('application/json')) {
      res.status(200).type('application/xml').send('<?xml version="1.0" encoding="UTF-8"?><metadata xmlns="http://musicbrainz.org/ns/mmd-2.0#"/>');
      return;
    }
    if (await applyFault(faults.take(req.path), req, res)) return;
    next();
  });

  const notFound = (res: Response) => res.status(404).json({ error: 'Not Found', help: 'For usage, please see: https://musicbrainz.org/development/mmd' });

  app.get('/ws/2/isrc/:isrc', (req, res) => {
    if (!/^[A-Z]{2}[A-Z0-9]{3}\d{7}$/.test(req.params.isrc)) { res.status(400).json({ error: 'Invalid isrc.' }); return; }
    const recs = world.byIsrc.get(req.params.isrc);
    if (!recs) { notFound(res); return; }
    res.json({ isrc: req.params.isrc, recordings: recs.map((r) => mbRecording(r, null)) });
  });

  app.get('/ws/2/recording', (req, res) => {
    const q = String(req.query.query ?? '');
    const title = /recording:"((?:[^"\\]|\\.)*)"/.exec(q)?.[1]?.replace(/\\(.)/g, '$1');
    const artist = /artist:"((?:[^"\\]|\\.)*)"/.exec(q)?.[1]?.replace(/\\(.)/g, '$1');
    if (title === undefined || artist === undefined) { res.status(400).json({ error: 'bad query' }); return; }
    const exact = world.byName.get(world.keyOf(artist, title));
    // Real searches also return weaker candidates: the same artist's other recordings, scored lower.
    const others = [...world.recordings.values()].filter((r) => r !== exact && looseKey(r.artist.name) === looseKey(artist)).slice(0, 3);
    const list = [...(exact ? [mbRecording(exact, 100)] : []), ...others.map((r, i) => mbRecording(r, 60 - i * 5))];
    res.json({ created: new Date().toISOString(), count: list.length, offset: 0, recordings: list });
  });

  // Artist search by MBID (arid:(A OR B …)): the search's artist objects carry `score`, `country` and an area without ISO codes.
  app.get('/ws/2/artist', (req, res) => {
    const q = String(req.query.query ?? '');
    const ids = /^arid:\((.+)\)$/.exec(q)?.[1]?.split(' OR ') ?? null;
    if (!ids || ids.length > 100) { res.status(400).json({ error: 'bad query' }); return; }
    const record = requests.at(-1);
    if (record?.path === req.path) record.mbids = ids;
    const list = [...world.artists.values()].filter((a) => ids.includes(a.mbid) && !state.unknownArtists.has(a.mbid) && !state.notIndexed.has(a.mbid)).map((a) => {
      const full = mbArtist(a) as Record<string, any>;
      const area = full.area ? { id: full.area.id, type: full.area.type, 'type-id': full.area['type-id'] ?? null, name: full.area.name, 'sort-name': full.area.name,
        'life-span': { ended: null } } : undefined;
      return { id: a.mbid, type: a.type, score: 100, name: a.name, 'sort-name': a.name, ...(full.country ? { country: full.country } : {}), ...(area ? { area } : {}),
        'life-span': full['life-span'] };
    });
    res.json({ created: new Date().toISOString(), count: list.length, offset: 0, artists: list });
  });

  app.get('/ws/2/artist/:mbid', (req, res) => {
    const artist = [...world.artists.values()].find((a) => a.mbid === req.params.mbid);
    if (!artist || state.unknownArtists.has(req.params.mbid)) { notFound(res); return; }
    res.json(mbArtist(artist));
  });

  app.get('/ws/2/area/:mbid', (req, res) => {
    const area = world.areas.get(req.params.mbid);
    if (!area) { notFound(res); return; }
    if (req.query.inc !== 'area-rels') { const { relations: _r, ...bare } = mbArea(world, area); res.json(bare); return; }
    res.json(mbArea(world, area));
  });

  app.use((req, res) => { notFound(res); });
  const { server, url } = await listen(app);
  return {
    url, requests, state,
    fault: (prefix: string, fault: Fault, times = 1) => faults.add(prefix, fault, times),
    clearFaults: () => faults.clear(),
    close: async () => { server.closeAllConnections(); await new Promise<void>((r) => server.close(() => r())); },
  };
}

export type FakeListenBrainz = Awaited<ReturnType<typeof startFakeListenBrainz>>;
export type FakeMusicBrainz = Awaited<ReturnType<typeof startFakeMusicBrainz>>;
