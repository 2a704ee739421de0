import { open, readFile, unlink, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { hostname } from 'node:os';
import { accountNames, resolveTimeZone, supervisorMqtt, type Config } from './config/index.js';
import type { Logger } from './log.js';
import { createBus } from './bus.js';
import { openStore } from './store/index.js';
import { createIngest } from './ingest/index.js';
import { createImporter } from './importers/index.js';
import { createStats } from './stats/index.js';
import { createSpotify, openTokenStore } from './spotify/index.js';
import { createWeb } from './web/index.js';
import { createScheduler } from './scheduler.js';
import { createMqtt, type MqttConnection } from './mqtt/index.js';
import { createAudioLibrary } from './audio/index.js';
import { VibescopeError } from './errors.js';

/** The lock file that keeps two processes from writing one data folder. */
export const LOCK_FILE = 'vibescope.lock';

/** True when `pid` is a running process. */
function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM'; }
}

/**
 * Takes the data folder's lock (pid inside). A stale lock (dead pid) is taken over.
 * @throws VibescopeError CONFLICT when another live process holds it.
 */
export async function acquireLock(dataDir: string): Promise<() => Promise<void>> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(file, 'wx', 0o600);
      await fh.writeFile(String(process.pid));
      await fh.close();
      return async () => { await unlink(file).catch(() => undefined); }; // already gone: nothing to release
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (pid && pid !== process.pid && alive(pid)) {
        throw new VibescopeError('CONFLICT', `another Vibescope (pid ${pid}) is using ${dataDir}; stop it first, or import through its REST API (POST /api/v1/imports)`, 409);
      }
      await unlink(file).catch(() => undefined); // stale lock of a dead process
    }
  }
  throw new VibescopeError('CONFLICT', `cannot take the lock ${file}`, 409);
}

/**
 * The broker: the mqtt_url option (standalone or add-on), else the Supervisor's MQTT service
 * (add-on), else none (MQTT off).
 */
export async function resolveMqtt(config: Config, addon: boolean, env: NodeJS.ProcessEnv, log: Logger): Promise<MqttConnection | null> {
  if (config.mqtt_url) return { url: config.mqtt_url, username: config.mqtt_username, password: config.mqtt_password };
  if (!addon && !env.SUPERVISOR_TOKEN) return null;
  const service = await supervisorMqtt(env, log);
  if (!service) return null;
  return { url: `${service.ssl ? 'mqtts' : 'mqtt'}://${service.host}:${service.port}`, username: service.username, password: service.password };
}

/** The panel's address for the HA device page: the ingress panel in the add-on, else this host. */
function panelUrl(addon: boolean, port: number, env: NodeJS.ProcessEnv): string {
  if (addon && env.HOSTNAME) return `homeassistant://hassio/ingress/${env.HOSTNAME.replaceAll('-', '_')}`;
  return `http://${hostname()}:${port}/`;
}

export interface StartOptions {
  config: Config; addon: boolean; log: Logger; version: string;
  env?: NodeJS.ProcessEnv;
  /** Overrides config.port (0 = any free port; tests). */
  port?: number;
}

/**
 * Composition root (ARCHITECTURE.md): config → store → sources → outputs → web → scheduler.
 * Resolves once the server listens; `stop()` stops everything in reverse order.
 */
export async function startVibescope({ config, addon, log, version, port: portOverride, env = process.env }: StartOptions) {
  const dataDir = path.resolve(config.data_dir);
  const releaseLock = await acquireLock(dataDir);
  const timeZone = resolveTimeZone(config);
  const accounts = accountNames(config);
  const store = await openStore({ dataDir, timeZone, log: log.child({ module: 'store' }), maxJournalRecords: config.snapshot_max_journal_records });
  const bus = createBus(log.child({ module: 'bus' }));
  const ingest = createIngest({ store, bus, log: log.child({ module: 'ingest' }) });
  await ingest.recover();
  const tokens = await openTokenStore(dataDir);
  const spotify = createSpotify({ config, tokens, ingest, bus, log: log.child({ module: 'spotify' }), accounts });
  const importer = createImporter({ ingest, bus, log: log.child({ module: 'importers' }) });
  const stats = createStats(store);
  const library = createAudioLibrary({ store, bus, log: log.child({ module: 'audio.library' }), roots: config.library_paths.map((p) => path.resolve(p)) });
  const connection = await resolveMqtt(config, addon, env, log.child({ module: 'mqtt' }));
  const mqtt = createMqtt({ config, connection, stats, bus, log: log.child({ module: 'mqtt' }), accounts, version,
    initialSync: (a) => spotify.status(a) ?? null, initialNowPlaying: spotify.nowPlaying, syncNow: spotify.syncNow,
    configurationUrl: panelUrl(addon, portOverride ?? config.port, env) });
  const web = createWeb({ bus, store, stats, spotify, importer, tokens, log: log.child({ module: 'web' }), accounts, dataDir, addon, version,
    mqttStatus: mqtt.status, library });
  const scheduler = createScheduler({ log: log.child({ module: 'scheduler' }), timeZone,
    compact: () => store.exclusive(() => (store.journalPending > 0 ? store.compactNow('daily') : null)) });
  const port = await web.listen(portOverride ?? config.port);
  scheduler.start();
  mqtt.start();
  spotify.start();
  library.start(config.library_rescan_hours * 3_600_000);
  log.info({ port, data_dir: dataDir, time_zone: timeZone, accounts, addon, version }, 'vibescope started');

  let stopping: Promise<void> | null = null;
  return {
    port, store, bus, ingest, importer, stats, spotify, web, tokens, mqtt, library,
    /** Stops polling, publishes MQTT `offline`, stops the web server and the scheduler, then closes the store (the journal is already durable). Idempotent. */
    stop(): Promise<void> {
      stopping ??= (async () => {
        await spotify.stop();
        await library.stop();
        await mqtt.stop();
        scheduler.stop();
        await web.stop();
        await store.close();
        await releaseLock();
        log.info('vibescope stopped');
      })();
      return stopping;
    },
  };
}

export type Vibescope = Awaited<ReturnType<typeof startVibescope>>;
