import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Server } from 'node:http';
import path from 'node:path';
import express from 'express';
import compression from 'compression';
import type { Logger } from '../log.js';
import type { Config } from '../config/index.js';
import type { Health } from '../health.js';
import type { Store } from '../store/index.js';
import type { Stats } from '../stats/index.js';
import type { Spotify, TokenStore } from '../spotify/index.js';
import type { Importer } from '../importers/index.js';
import type { Bus } from '../bus.js';
import { errorHandler, notFound } from './errors.js';
import { createHub } from './hub.js';
import { basicAuth, basicDigest, crossSiteGuard, ingressGuard, securityHeaders } from './security.js';
import { accountRoutes } from './routes/accounts.js';
import { statsRoutes } from './routes/stats.js';
import { libraryRoutes } from './routes/library.js';
import { importRoutes } from './routes/imports.js';
import { storyRoutes } from './routes/stories.js';
import type { Stories } from '../story/index.js';
import { exportRoutes } from './routes/exports.js';
import { scrobbleRoutes } from './routes/scrobble.js';
import { entityRoutes } from './routes/entities.js';
import { artRoutes } from './routes/art.js';
import { connectRoutes } from './routes/connect.js';
import type { Art } from '../art/index.js';
import { metadataRoutes } from './routes/metadata.js';
import type { Metadata } from '../metadata/index.js';
import { playlistRoutes } from './routes/playlists.js';
import type { Playlists } from '../playlists/index.js';

export { INGRESS_PROXY_IP, ingressGuard } from './security.js';

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

/** Everything the web layer serves from; route modules (routes/*.ts) take what they need. */
export interface WebDeps {
  bus: Bus;
  store: Store; stats: Stats; spotify: Spotify; importer: Importer; tokens: TokenStore; health: Health; log: Logger;
  accounts: string[]; dataDir: string; addon: boolean; version: string; now?: () => number;
  /** The options (web_username/web_password, bind_address…). */
  config: Pick<Config, 'web_username' | 'web_password'>;
  /** MQTT connection state for health (main.ts hands it over: web never imports mqtt). */
  mqttStatus?: () => unknown;
  /** The music library (scan status, scan now). */
  library?: { status(): unknown; scan(): Promise<unknown> };
  /** Stories (GET/POST /api/v1/stories…). */
  stories?: Stories;
  /** Exports (CSV, JSON, ListenBrainz JSONL, M3U8) and backups (src/exports/). */
  exports?: import('../exports/index.js').Exports;
  backups?: import('../exports/index.js').Backups;
  /** Scrobbles out and the ListenBrainz live source (status, backfill). */
  scrobble?: import('../scrobble/index.js').Scrobble;
  /** Cover art (served under /api/v1/art; list items carry art_url). */
  art?: Art;
  /** What Settings shows about connecting: whether client_id is set, the redirect URI to register, the scopes asked for. */
  connect?: { clientIdSet: boolean; redirectUri: string; scopes: string[] };
  /** Metadata enrichment: genre, country, era and obscurity statistics, and its status. */
  metadata?: Pick<Metadata, 'stats' | 'status' | 'summary' | 'track'>;
  /** Vibe playlists and mixtapes (runs, run log, M3U download). */
  playlists?: Pick<Playlists, 'status' | 'generate' | 'runs' | 'run' | 'm3u'>;
}

/**
 * The express app: REST under /api/v1 (JSON in and out, errors as {error: {code, message}}), the
 * panel, socket.io. In add-on mode only the ingress proxy and loopback are answered; standalone,
 * optional basic auth. Every response carries security headers; state-changing requests from other
 * sites are refused; responses are compressed (gzip/brotli by the `compression` middleware).
 */
export function createWeb(deps: WebDeps) {
  const { bus, log, addon, version, config } = deps;
  const app = express();
  app.disable('x-powered-by');
  if (addon) app.use(ingressGuard);
  const auth = !addon && config.web_username && config.web_password ? { user: config.web_username, password: config.web_password } : null;
  if (auth) app.use(basicAuth(auth.user, auth.password));
  app.use(securityHeaders);
  app.use(compression());
  app.use(crossSiteGuard);
  app.use(express.json({ limit: '100kb' }));

  const api = express.Router();
  api.use(accountRoutes(deps));
  api.use(metadataRoutes(deps)); // before statsRoutes: /stats/top/genres would meet /stats/top/:what first
  api.use(statsRoutes(deps));
  api.use(libraryRoutes(deps));
  api.use(importRoutes(deps));
  api.use(storyRoutes(deps));
  api.use(exportRoutes(deps));
  api.use(scrobbleRoutes(deps));
  api.use(entityRoutes(deps));
  api.use(artRoutes(deps));
  api.use(connectRoutes(deps));
  api.use(playlistRoutes(deps));
  api.use(notFound);
  app.use('/api/v1', api);

  const panel = findPanel();
  if (panel) {
    // Content-hashed assets (app-<hash>.js, chunk-<hash>.js, .css) never change: cached for a year;
    // index.html (which names them) is revalidated on every load.
    app.use(express.static(panel, { index: 'index.html', setHeaders: (res, file) => {
      const name = path.basename(file);
      if (name === 'index.html') res.setHeader('cache-control', 'no-cache');
      else if (/-[A-Z0-9]{8}\.(js|css)$/.test(name)) res.setHeader('cache-control', 'public, max-age=31536000, immutable');
      else res.setHeader('cache-control', 'public, max-age=86400');
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
    /** Listens on `host`:`port` (0 = any free port); resolves to the bound port. */
    async listen(port: number, host = '0.0.0.0'): Promise<number> {
      server = app.listen(port, host);
      await once(server, 'listening');
      hub = createHub(server, bus, { addon, basicDigest: auth ? basicDigest(auth.user, auth.password) : null });
      if (!addon && !auth && host !== '127.0.0.1' && host !== '::1') {
        log.warn({ bind_address: host }, 'the panel and REST API are open to the whole network without a password: set web_username and web_password, or bind_address: 127.0.0.1');
      }
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
