import { rm } from 'node:fs/promises';
import path from 'node:path';
import { hostname } from 'node:os';
import { accountNames, resolveTimeZone, supervisorMqtt, type Config } from './config/index.js';
import type { Logger } from './log.js';
import { acquireDataLock } from './store/index.js';
import { openCore } from './core.js';
import { createSpotify, openTokenStore } from './spotify/index.js';
import { createWeb } from './web/index.js';
import { createScheduler } from './scheduler.js';
import { createMqtt, type MqttConnection } from './mqtt/index.js';
import { createAudioLibrary } from './audio/index.js';
import { createPlaylists, registerPlaylistRecords } from './playlists/index.js';

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
  let boundPort: number | null = null;
  const lock = await acquireDataLock(dataDir, () => ({ pid: process.pid, port: boundPort, version }));
  const timeZone = resolveTimeZone(config);
  const accounts = accountNames(config);
  const { bus, health, store, ingest, importer, stats } = await openCore({ dataDir, timeZone, log,
    skipThresholdMs: config.skip_threshold_s * 1000, maxJournalRecords: config.snapshot_max_journal_records,
    register: (parts) => registerPlaylistRecords(parts.store) });
  // Uploads of a run that died mid-import: their import never finished, the files are garbage now.
  await rm(path.join(dataDir, 'uploads'), { recursive: true, force: true });
  const tokens = await openTokenStore(dataDir, { onDamaged: (movedTo, err) => {
    log.error({ err, moved_to: movedTo }, 'token file damaged: set aside; every account must connect again');
    health.report('tokens', { code: 'TOKENS_DAMAGED', dismissible: true, message: 'The saved Spotify connection was damaged and was set aside. Connect Spotify again in Settings.' });
  } });
  const spotify = createSpotify({ config, tokens, ingest, bus, health, log: log.child({ module: 'spotify' }), accounts });
  const library = createAudioLibrary({ store, bus, log: log.child({ module: 'audio.library' }), roots: config.library_paths.map((p) => path.resolve(p)) });
  const playlists = createPlaylists({ store, bus, health, log: log.child({ module: 'playlists' }), config, accounts,
    spotify: { api: spotify.playlistsApi, grantedScopes: spotify.grantedScopes },
    m3uDir: config.vibe_m3u_dir ? path.resolve(config.vibe_m3u_dir) : path.join(dataDir, 'playlists') });
  await playlists.start();
  const connection = await resolveMqtt(config, addon, env, log.child({ module: 'mqtt' }));
  const mqtt = createMqtt({ config, connection, stats, bus, log: log.child({ module: 'mqtt' }), accounts, version,
    initialSync: (a) => spotify.status(a) ?? null, initialNowPlaying: spotify.nowPlaying, syncNow: spotify.syncNow,
    generatePlaylist: (a) => playlists.generate(a, { trigger: 'mqtt' }), playlistView: playlists.view,
    configurationUrl: panelUrl(addon, portOverride ?? config.port, env) });
  const web = createWeb({ bus, store, stats, spotify, importer, tokens, health, log: log.child({ module: 'web' }), accounts, dataDir, addon, version,
    mqttStatus: mqtt.status, library, config, playlists });
  const scheduler = createScheduler({ log: log.child({ module: 'scheduler' }), timeZone,
    compact: () => store.exclusive(() => (store.journalPending > 0 ? store.compactNow('daily') : null)), jobs: playlists.scheduledJobs() });
  const port = await web.listen(portOverride ?? config.port, config.bind_address);
  boundPort = port;
  scheduler.start();
  mqtt.start();
  spotify.start();
  library.start(config.library_rescan_hours * 3_600_000);
  log.info({ port, data_dir: dataDir, time_zone: timeZone, accounts, addon, version }, 'vibescope started');

  let stopping: Promise<void> | null = null;
  return {
    port, store, bus, health, ingest, importer, stats, spotify, web, tokens, mqtt, library, playlists,
    /** Stops polling, publishes MQTT `offline`, stops the web server and the scheduler, then closes the store (the journal is already durable). Idempotent. */
    stop(): Promise<void> {
      stopping ??= (async () => {
        await spotify.stop();
        await playlists.stop();
        await library.stop();
        await mqtt.stop();
        scheduler.stop();
        await web.stop();
        await store.close();
        await lock.release();
        log.info('vibescope stopped');
      })();
      return stopping;
    },
  };
}

export type Vibescope = Awaited<ReturnType<typeof startVibescope>>;
