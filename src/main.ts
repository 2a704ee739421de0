import { rm } from 'node:fs/promises';
import path from 'node:path';
import { hostname } from 'node:os';
import { accountNames, resolveStoryLanguage, resolveTimeZone, supervisorMqtt, type Config } from './config/index.js';
import type { Logger } from './log.js';
import { acquireDataLock } from './store/index.js';
import { openCore } from './core.js';
import { createSpotify, openTokenStore, scopesFor } from './spotify/index.js';
import { createWeb } from './web/index.js';
import { createScheduler } from './scheduler.js';
import { createMqtt, loadMqttIdentity, type MqttConnection } from './mqtt/index.js';
import { createAudioLibrary } from './audio/index.js';
import { createStories, storyConfigOf, storyCron } from './story/index.js';
import { createBackups, createExports } from './exports/index.js';
import { createScrobble } from './scrobble/index.js';
import { coverArtArchiveResolver, createArt, spotifyTrackArtResolver, storedArtResolver } from './art/index.js';
import { createMetadata } from './metadata/index.js';
import { createPlaylists } from './playlists/index.js';

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
  // Before the store opens: whether this data folder was used before decides the MQTT id scheme.
  const mqttIdentity = await loadMqttIdentity(dataDir);
  if (mqttIdentity.error) log.warn({ err: mqttIdentity.error }, 'mqtt: could not save the instance id; using one derived from the data folder');
  const { bus, health, store, ingest, importer, stats } = await openCore({ dataDir, timeZone, log,
    skipThresholdMs: config.skip_threshold_s * 1000, maxJournalRecords: config.snapshot_max_journal_records });
  // Uploads of a run that died mid-import: their import never finished, the files are garbage now.
  await rm(path.join(dataDir, 'uploads'), { recursive: true, force: true })
    .catch((err: Error) => log.warn({ err }, 'could not remove uploads left by an earlier run'));
  const tokens = await openTokenStore(dataDir, { onDamaged: (movedTo, err) => {
    log.error({ err, moved_to: movedTo }, 'token file damaged: set aside; every account must connect again');
    health.report('tokens', { code: 'TOKENS_DAMAGED', dismissible: true, message: 'The saved Spotify connection was damaged and was set aside. Connect Spotify again in Settings.' });
  } });
  const spotify = createSpotify({ config, tokens, ingest, bus, health, log: log.child({ module: 'spotify' }), accounts });
  const library = createAudioLibrary({ store, bus, log: log.child({ module: 'audio.library' }), roots: config.library_paths.map((p) => path.resolve(p)) });
  const metadata = createMetadata({ store, bus, health, config, version, log: log.child({ module: 'metadata' }) });
  // The story's genres and obscurity come from the metadata (empty until enrichment has run).
  const stories = createStories({ store, stats, bus, health, log: log.child({ module: 'story' }),
    config: storyConfigOf(config, await resolveStoryLanguage(config, log.child({ module: 'story' }), env)),
    sources: {
      genres: (range, limit) => metadata.stats.topGenres(range, limit, 'plays').items.map((g) => ({ name: g.genre, plays: g.plays })),
      obscurity: (range) => metadata.stats.obscurity(range, 1).score,
    } });
  // Exports and backups (issue 15): streamed CSV / JSON / ListenBrainz JSONL / M3U8; consistent backups and HA backup hooks.
  const exports = createExports({ store, version, topTracks: (range, limit) => stats.top('tracks', range, limit, 'plays') });
  const backups = createBackups({ dataDir, store, health, version, log: log.child({ module: 'exports.backup' }), isImporting: importer.running });
  await backups.cleanup();
  const scrobble = createScrobble({ options: config, store, ingest, bus, health, accounts, version, log: log.child({ module: 'scrobble' }) });
  // Vibe playlists and mixtapes (issue 13): the genres of their seed come from the metadata.
  const playlists = createPlaylists({ store, bus, health, log: log.child({ module: 'playlists' }), config, accounts,
    spotify: { api: spotify.playlistsApi, grantedScopes: spotify.grantedScopes },
    m3uDir: config.vibe_m3u_dir ? path.resolve(config.vibe_m3u_dir) : path.join(dataDir, 'playlists'),
    genresOf: (trackIds) => new Map(trackIds.map((id) => [id, metadata.stats.trackGenres(id).map((g) => g.genre)])) });
  await playlists.start();
  const connection = await resolveMqtt(config, addon, env, log.child({ module: 'mqtt' }));
  const mqtt = createMqtt({ config, connection, stats, bus, log: log.child({ module: 'mqtt' }), accounts, version,
    initialSync: (a) => spotify.status(a) ?? null, initialNowPlaying: spotify.nowPlaying, syncNow: spotify.syncNow,
    initialStory: (a) => stories.latest(a), initialScrobble: () => scrobble.status(),
    genresOf: (uri) => metadata.genresOfUri(uri), topGenreWeek: (a, at) => metadata.topGenreWeek(a, at),
    generatePlaylist: (a) => playlists.generate(a, { trigger: 'mqtt' }), playlistView: playlists.view,
    configurationUrl: panelUrl(addon, portOverride ?? config.port, env), identity: mqttIdentity, health,
    refreshConnection: config.mqtt_url ? undefined : () => resolveMqtt(config, addon, env, log.child({ module: 'mqtt' })) });
  // Cover art: the stored Spotify album image, else one GET /tracks/{id} per imported track through a connected account.
  const apiHost = new URL(config.spotify_api_url).host;
  const extraHosts = apiHost === 'api.spotify.com' ? [] : [apiHost];
  const art = await createArt({ store, dataDir, cacheBytes: config.art_cache_mb * 1024 * 1024, log: log.child({ module: 'art' }), health,
    timeoutMs: config.http_timeout_s * 1000, resolvers: [storedArtResolver(extraHosts), spotifyTrackArtResolver({ extraHosts,
      available: () => spotify.connectedAccounts().length > 0,
      albumImages: (id) => spotify.tracks.albumImages(spotify.connectedAccounts()[0]!, id) }),
      coverArtArchiveResolver(config.coverart_url, (subject) => metadata.coverArtUrl(subject.kind === 'album' ? { album_id: subject.id } : { track_id: subject.id }))] });
  const web = createWeb({ bus, store, stats, spotify, importer, tokens, health, log: log.child({ module: 'web' }), accounts, dataDir, addon, version,
    mqttStatus: mqtt.status, library, config, stories, exports, backups, scrobble, art, metadata, playlists,
    connect: { clientIdSet: config.client_id !== '', redirectUri: config.redirect_uri, scopes: scopesFor(config) } });
  const storyRule = storyCron(config.story_schedule);
  const scheduler = createScheduler({ log: log.child({ module: 'scheduler' }), timeZone,
    compact: () => store.exclusive(() => (store.journalPending > 0 ? store.compactNow('daily') : null)),
    jobs: [...(storyRule ? [{ name: 'weekly story', cron: storyRule, run: () => stories.weekly(accounts) }] : []), ...playlists.scheduledJobs()] });
  const port = await web.listen(portOverride ?? config.port, config.bind_address);
  boundPort = port;
  scheduler.start();
  mqtt.start();
  spotify.start();
  await scrobble.start();
  library.start(config.library_rescan_hours * 3_600_000);
  await stories.start();
  art.start();
  metadata.start();
  log.info({ port, data_dir: dataDir, time_zone: timeZone, accounts, addon, version }, 'vibescope started');

  let stopping: Promise<void> | null = null;
  return {
    port, store, bus, health, ingest, importer, stats, spotify, web, tokens, mqtt, library, stories, scrobble, art, metadata, playlists,
    /** Stops polling, publishes MQTT `offline`, stops the web server and the scheduler, lets running imports finish their current file, then closes the store (the journal is already durable). Idempotent. */
    stop(): Promise<void> {
      stopping ??= (async () => {
        // Running imports stop after their current file from now on; awaited before the store closes.
        const importsStopped = importer.stop();
        await art.stop();
        await spotify.stop();
        await scrobble.stop();
        await playlists.stop();
        await library.stop();
        await metadata.stop();
        await mqtt.stop();
        scheduler.stop();
        await web.stop();
        await stories.stop();
        backups.stop();
        await importsStopped;
        await store.close();
        await lock.release();
        log.info('vibescope stopped');
      })();
      return stopping;
    },
  };
}

export type Vibescope = Awaited<ReturnType<typeof startVibescope>>;
