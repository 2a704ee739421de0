import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mkdir, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import path from 'node:path';
import express, { type Request, type Response, type NextFunction } from 'express';
import multer from 'multer';
import type { Logger } from '../log.js';
import type { Store } from '../store/index.js';
import type { Stats } from '../stats/index.js';
import type { Spotify, TokenStore } from '../spotify/index.js';
import type { Importer } from '../importers/index.js';
import { BadParamError, NotFoundError } from '../errors.js';
import { errorHandler, notFound } from './errors.js';
import { createHub } from './hub.js';
import type { Bus } from '../bus.js';
import { enumParam, intParam, rangeParams, stringParam, timeParam, timeZoneParam } from './params.js';

/** The Supervisor's ingress proxy address (https://developers.home-assistant.io/docs/add-ons/presentation#ingress). */
export const INGRESS_PROXY_IP = '172.30.32.2';

/** frontend/dist above this module (src/web or dist/src/web), or null when the panel is not built. */
export function findPanel(): string | null {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'frontend', 'dist');
    if (existsSync(path.join(candidate, 'index.html'))) return candidate;
    dir = path.dirname(dir);
  }
  return null;
}

export interface WebDeps {
  bus: Bus;
  store: Store; stats: Stats; spotify: Spotify; importer: Importer; tokens: TokenStore; log: Logger;
  accounts: string[]; dataDir: string; addon: boolean; version: string; now?: () => number;
  /** MQTT connection state for health (main.ts hands it over: web never imports mqtt). */
  mqttStatus?: () => unknown;
  /** The music library (scan status, scan now). */
  library?: { status(): unknown; scan(): Promise<unknown> };
}

/** Only the ingress proxy and loopback may talk to an add-on (ARCHITECTURE.md "Web rules"). */
export function ingressGuard(req: Request, res: Response, next: NextFunction): void {
  const ip = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  if (ip === INGRESS_PROXY_IP || ip === '127.0.0.1' || ip === '::1') { next(); return; }
  res.status(403).json({ error: { code: 'FORBIDDEN', message: 'only Home Assistant ingress may connect' } });
}

type Handler = (req: Request, res: Response) => unknown;
/** Wraps a handler so a thrown error or rejected promise reaches the error handler. */
const route = (fn: Handler) => (req: Request, res: Response, next: NextFunction) => {
  Promise.resolve().then(() => fn(req, res)).then((body) => { if (body !== undefined && !res.headersSent) res.json(body); }).catch(next);
};

/** The express app: REST under /api/v1 (JSON in and out, errors as {error: {code, message}}). */
export function createWeb({ bus, store, stats, spotify, importer, tokens, log, accounts, dataDir, addon, version, now = Date.now, mqttStatus, library }: WebDeps) {
  const app = express();
  app.disable('x-powered-by');
  if (addon) app.use(ingressGuard);
  app.use(express.json({ limit: '100kb' }));
  const uploads = path.join(dataDir, 'uploads');
  const upload = multer({ dest: uploads, limits: { fileSize: 2 * 1024 ** 3, files: 50 } });
  const api = express.Router();

  function accountParam(req: Request): string {
    const account = stringParam(req, 'account') ?? (typeof req.body?.account === 'string' ? req.body.account : undefined) ?? accounts[0]!;
    if (!accounts.includes(account)) throw new BadParamError('account', account, `one of ${accounts.join(', ')}`);
    return account;
  }

  function accountView(account: string) {
    const state = tokens.account(account);
    const sync = spotify.status(account);
    return {
      account, display_name: state.display_name, connected: state.tokens !== null && !state.needs_reconnect,
      needs_reconnect: state.needs_reconnect, reconnect_reason: state.reconnect_reason, sync_state: sync?.state ?? 'not_connected',
      last_poll_at: sync?.last_poll_at ?? null, last_success_at: sync?.last_success_at ?? null, last_error: sync?.last_error ?? null,
    };
  }

  api.get('/health', route(async () => {
    const info = await store.info();
    const mem = process.memoryUsage();
    const mb = (n: number) => Math.round(n / 1e5) / 10;
    return { status: 'ok', version, uptime_s: Math.round(process.uptime()), store: { ...info, totals: stats.totals() },
      mqtt: mqttStatus?.() ?? { enabled: false },
      memory_mb: { rss: mb(mem.rss), heap_used: mb(mem.heapUsed), heap_total: mb(mem.heapTotal), external: mb(mem.external), array_buffers: mb(mem.arrayBuffers) },
      accounts: accounts.map(accountView) };
  }));
  api.get('/accounts', route(() => {
    const totals = new Map(stats.totals().map((t) => [t.account, t]));
    return { accounts: accounts.map((a) => ({ ...accountView(a), plays: totals.get(a)?.plays ?? 0, streams: totals.get(a)?.streams ?? 0 })) };
  }));
  api.get('/now-playing', route((req) => {
    const list = (req.query.account ? [accountParam(req)] : accounts).map((a) => spotify.nowPlaying(a) ?? { account: a, active: false, idle_reason: 'not_polling' });
    return { now_playing: list };
  }));
  api.get('/streams', route((req) => {
    const range = rangeParams(req, now());
    const before = stringParam(req, 'before');
    if (before !== undefined && !/^\d+:\d+$/.test(before)) throw new BadParamError('before', before, 'a cursor from a previous page ("ended_at:id")');
    return stats.streams({ ...range, limit: intParam(req, 'limit', 50, 1, 500), kind: enumParam(req, 'kind', ['play', 'skip', 'other', 'all'] as const, 'all'),
      artist: stringParam(req, 'artist'), track: stringParam(req, 'track'), q: stringParam(req, 'q'), before });
  }));
  api.get('/stats/today', route((req) => stats.counters(accountParam(req), now())));
  api.get('/stats/summary', route((req) => {
    const range = rangeParams(req, now());
    return { from: range.from, to: range.to, ...stats.summary(range) };
  }));
  api.get('/stats/top/:what', route((req) => {
    const what = req.params.what;
    if (what !== 'tracks' && what !== 'artists' && what !== 'albums') throw new NotFoundError(`top list "${what}" (tracks, artists, albums)`);
    const range = rangeParams(req, now());
    return { from: range.from, to: range.to, items: stats.top(what, range, intParam(req, 'limit', 50, 1, 500), enumParam(req, 'by', ['plays', 'ms'], 'plays')) };
  }));
  api.get('/stats/heatmap', route((req) => {
    const range = rangeParams(req, now());
    const tz = timeZoneParam(req, store.tz.timeZone);
    return { from: range.from, to: range.to, tz, weekdays: 'Monday first', ...stats.heatmap(range, tz) };
  }));
  api.get('/stats/timeline', route((req) => {
    const range = rangeParams(req, now());
    const bucket = enumParam(req, 'bucket', ['day', 'week', 'month'], 'day');
    return { from: range.from, to: range.to, bucket, tz: store.tz.timeZone, buckets: stats.timeline(range, bucket) };
  }));
  api.get('/stats/discoveries', route((req) => {
    const range = rangeParams(req, now());
    return { from: range.from, to: range.to, ...stats.discoveries(range) };
  }));
  api.get('/stats/skips', route((req) => {
    const range = rangeParams(req, now());
    return { from: range.from, to: range.to, ...stats.skips(range, intParam(req, 'limit', 20, 1, 200)) };
  }));
  api.get('/sessions', route((req) => {
    const range = rangeParams(req, now());
    return { from: range.from, to: range.to, ...stats.sessions(range, intParam(req, 'limit', 100, 1, 1000)) };
  }));
  api.get('/stats/mood', route((req) => {
    const to = req.query.to === undefined ? null : timeParam(req, 'to', now());
    return { ...stats.mood(stringParam(req, 'account'), to, now()) };
  }));
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
  api.post('/auth/start', route(async (req) => spotify.startConnect(accountParam(req))));
  api.post('/auth/finish', route(async (req) => {
    const input = req.body?.url ?? req.body?.code;
    if (typeof input !== 'string' || input.trim() === '') throw new BadParamError('url', input, 'the URL the browser landed on (or the code)');
    return spotify.finishConnect(input, typeof req.body?.state === 'string' ? req.body.state : undefined);
  }));
  api.post('/accounts/:account/sync', route(async (req) => {
    const account = req.params.account as string;
    if (!accounts.includes(account)) throw new NotFoundError(`account "${account}"`);
    return spotify.syncNow(account);
  }));
  api.post('/imports', async (req, res, next) => {
    try {
      await mkdir(uploads, { recursive: true, mode: 0o700 });
    } catch (err) { next(err); return; }
    upload.array('files')(req, res, (err?: unknown) => {
      if (err) { next(new BadParamError('files', (err as Error).message, 'multipart/form-data with one or more files in "files"')); return; }
      try {
        const files = (req.files as Express.Multer.File[] | undefined) ?? [];
        if (files.length === 0) throw new BadParamError('files', null, 'one or more export files (zip or JSON) in the "files" field');
        const account = accountParam(req);
        const paths = files.map((f) => f.path);
        const names = new Map(files.map((f) => [f.path, f.originalname]));
        const jobId = importer.startJob(paths, account, async () => { await Promise.all(paths.map((p) => rm(p, { force: true }))); });
        log.info({ job_id: jobId, account, files: [...names.values()] }, 'import job started');
        res.status(202).json({ job_id: jobId, files: files.map((f) => f.originalname) });
      } catch (e) { next(e); }
    });
  });
  api.get('/imports/:id', route((req) => {
    const job = importer.job(req.params.id as string);
    if (!job) throw new NotFoundError(`import job "${req.params.id}"`);
    return { ...job.progress, error: job.error ?? job.report?.error ?? null, report: job.report };
  }));
  api.use(notFound);

  app.use('/api/v1', api);
  const panel = findPanel();
  if (panel) {
    app.use(express.static(panel, { index: 'index.html', maxAge: '1h', setHeaders: (res, file) => {
      if (file.endsWith('index.html')) res.setHeader('cache-control', 'no-cache');
    } }));
  } else {
    app.get('/', (_req, res) => {
      res.type('text/plain').send(`Vibescope ${version}: the panel is not built (npm run build); the REST API is under /api/v1.\n`);
    });
  }
  app.use(errorHandler(log));

  let server: Server | null = null;
  let hub: ReturnType<typeof createHub> | null = null;
  return {
    app,
    /** Listens on `port` (0 = any free port); resolves to the bound port. */
    async listen(port: number, host = '0.0.0.0'): Promise<number> {
      server = app.listen(port, host);
      await once(server, 'listening');
      hub = createHub(server, bus);
      const address = server.address();
      return typeof address === 'object' && address ? address.port : port;
    },
    /** Stops accepting connections and closes idle ones. Idempotent. */
    async stop(): Promise<void> {
      if (!server) return;
      const s = server; server = null;
      await hub?.close();
      hub = null;
      s.closeAllConnections?.();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
}

export type Web = ReturnType<typeof createWeb>;
