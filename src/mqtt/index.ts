import path from 'node:path';
import type { MqttClient } from 'mqtt';
import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';
import type { Bus } from '../bus.js';
import type { Health } from '../health.js';
import type { Stats } from '../stats/index.js';
import type { NowPlaying, StoryReady, StreamRow, SyncStatus } from '../types.js';
import { ENTITIES, storyEventPayload, type AccountView } from './entities.js';
import { availabilityTopic, discoveryPayloads, entityAvailabilityTopic, stateTopic, type DiscoveryContext } from './discovery.js';
import type { MqttIdentity } from './identity.js';
import { startupScan } from './startup.js';
import { createRetainedPublisher } from './publisher.js';
import { skipEvent } from './skip-event.js';

export { ENTITIES, cutState, MAX_STATE_LENGTH } from './entities.js';
export { devicePayload, entityPayloads, deviceId } from './discovery.js';
export { loadMqttIdentity, IDENTITY_FILE, type MqttIdentity } from './identity.js';
export { planDiscovery } from './plan.js';
export { skipEvent } from './skip-event.js';

/** Where to connect, resolved by main.ts from the options or the Supervisor. */
export interface MqttConnection { url: string; username?: string | undefined; password?: string | undefined }

/** What the health endpoint shows. */
export interface MqttStatus { enabled: boolean; connected: boolean; broker: string | null; last_error: string | null }

export interface MqttDeps {
  config: Config; connection: MqttConnection | null; stats: Stats; bus: Bus; log: Logger; accounts: string[]; version: string;
  /** The account's sync state and now playing when MQTT starts (later: bus events). */
  initialSync: (account: string) => SyncStatus | null;
  initialNowPlaying: (account: string) => NowPlaying | null;
  /** The newest weekly story of an account when MQTT starts (later: bus `story.created`). */
  initialStory?: (account: string) => StoryReady | null;
  /** The scrobble sender's state when MQTT starts (later: bus `scrobble.status`); the same for every account. */
  initialScrobble?: () => AccountView['scrobble'];
  /** MusicBrainz genres of a track (metadata), for Now playing's attributes. */
  genresOf?: (trackUri: string | null) => string[];
  /** The account's top genre of the ISO week up to `at` (metadata). */
  topGenreWeek?: (account: string, at: number) => AccountView['top_genre_week'];
  /** "Sync now" button. */
  syncNow: (account: string) => Promise<unknown>;
  /** "Generate vibe playlist" button, and the latest playlist for its sensor (src/playlists; absent: buttons do nothing). */
  generatePlaylist?: (account: string) => Promise<unknown>;
  playlistView?: (account: string) => AccountView['playlist'];
  configurationUrl?: string | null;
  /**
   * This install's identity (loadMqttIdentity, before the store opens): instance id for the client
   * id and unique_ids, and the discovery mode at the broker (kept up to date in data_dir/mqtt.json).
   * Absent: legacy ids, client id from the base topic, nothing remembered (tests of other modules).
   */
  identity?: MqttIdentity;
  /** The health registry: MQTT problems are reported there, and the Health entity shows it. */
  health?: Health;
  /** Asks again for the broker's credentials after "not authorized" (the Supervisor's MQTT service). */
  refreshConnection?: () => Promise<MqttConnection | null>;
  now?: () => number;
  /** Minimum time between two publishes of one entity (ms). */
  minIntervalMs?: number;
}

/** Reconnect back-off: first retry after this, doubling up to the cap while the broker stays away or refuses us. */
const RECONNECT_MIN_MS = 1_000;
const RECONNECT_MAX_MS = 60_000;
/** Presses of "Sync now" closer than this are ignored. */
const SYNC_PRESS_MIN_MS = 10_000;
/** MQTT CONNACK codes that mean "wrong credentials": 3.1.1 (4, 5) and 5.0 (134, 135). */
const AUTH_REFUSED = new Set([4, 5, 134, 135]);

/**
 * Home Assistant over MQTT (research/mqtt-discovery.md): discovery from the entity table, retained
 * states that follow bus events (at most one publish per entity per second), skip events, an
 * LWT-backed availability topic plus per-entity availability for entities that can be "nothing",
 * re-publishing when HA's birth message arrives, "Sync now", HA's migrate_discovery when the
 * discovery mode changed, and retries with back-off (also after "not authorized").
 * A broker outage never blocks recording: while disconnected, states are only remembered, and all of
 * them are published again on reconnect.
 */
export function createMqtt({ config, connection, stats, bus, log, accounts, version, initialSync, initialNowPlaying, initialStory, initialScrobble, genresOf, topGenreWeek, syncNow,
  generatePlaylist, playlistView, configurationUrl = null, identity, health, refreshConnection, now = Date.now, minIntervalMs = 1_000 }: MqttDeps) {
  const ctx: DiscoveryContext = {
    prefix: config.mqtt_discovery_prefix, base: config.mqtt_base_topic, version, configurationUrl,
    displayName: (a) => config.accounts.find((x) => x.name === a)?.display_name ?? a,
    instance: identity?.id_scheme === 'instance' ? identity.instance_id : null,
  };
  const mode = config.mqtt_discovery_mode;
  const clientId = identity ? `vibescope-${identity.instance_id}` : `vibescope-${config.mqtt_base_topic.replace(/\W/g, '_')}`;
  const status: MqttStatus = { enabled: connection !== null, connected: false, broker: connection ? redactUrl(connection.url) : null, last_error: null };
  const views = new Map<string, AccountView>();
  const unsubscribe: (() => void)[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const lastPress = new Map<string, number>();
  let client: MqttClient | null = null;
  const retained = createRetainedPublisher({ client: () => client, log, now, minIntervalMs });
  let midnight: NodeJS.Timeout | null = null;
  let birthTimer: NodeJS.Timeout | null = null;
  /** True until the first connect's scan decided what to migrate: discovery configs wait for it. */
  let holdDiscovery = true;
  let scanned = false;
  let stopped = false;
  let lastRefreshAt = -Infinity;
  const discoveryTopics = new Set(accounts.flatMap((a) => discoveryPayloads(ctx, a, mode).map((p) => p.topic)));

  function redactUrl(url: string): string {
    try { const u = new URL(url); u.password = ''; u.username = ''; return u.toString(); } catch { return 'invalid url'; }
  }

  function later(fn: () => void, ms: number): void {
    const t = setTimeout(() => { timers.delete(t); fn(); }, ms);
    t.unref();
    timers.add(t);
  }

  function publishView(account: string): void {
    const view = views.get(account)!;
    for (const def of ENTITIES) {
      if (def.state) {
        const value = def.state(view);
        if (def.own_availability) {
          const availability = entityAvailabilityTopic(ctx, account, def);
          if (value === null) retained.set(availability, 'offline');
          else { retained.set(stateTopic(ctx, account, def), value); retained.set(availability, 'online'); }
        } else {
          retained.set(stateTopic(ctx, account, def), value ?? 'None');
        }
      }
      if (def.attributes) retained.set(`${stateTopic(ctx, account, def)}/attributes`, JSON.stringify(def.attributes(view) ?? {}));
    }
  }

  function refreshCounters(account: string): void {
    const view = views.get(account);
    if (!view) return;
    try {
      view.counters = stats.counters(account, now());
      view.top_genre_week = topGenreWeek?.(account, now()) ?? null;
    } catch (err) {
      log.error({ err, account }, 'mqtt: counters failed');
      return;
    }
    publishView(account);
  }

  function scheduleMidnight(): void {
    if (midnight) clearTimeout(midnight);
    const next = Math.min(...[...views.values()].map((v) => v.counters?.day_ends_at ?? now() + 3_600_000));
    midnight = setTimeout(() => { for (const a of accounts) refreshCounters(a); scheduleMidnight(); }, Math.max(1_000, next - now() + 1_000));
    midnight.unref();
  }

  function publishDiscovery(): void {
    for (const account of accounts) {
      for (const { topic, payload } of discoveryPayloads(ctx, account, mode)) retained.setNow(topic, JSON.stringify(payload));
    }
  }

  /** Everything again: availability, configs (unless the start-up scan still holds them), then states. */
  function publishAll(): void {
    retained.disconnected();
    if (!client?.connected) return;
    client.publish(availabilityTopic(ctx), 'online', { qos: 1, retain: true });
    if (!holdDiscovery) publishDiscovery();
    retained.resendAll((topic) => holdDiscovery && discoveryTopics.has(topic));
  }

  function onMessage(topic: string, buf: Buffer, packet: { retain: boolean }): void {
    const text = buf.toString('utf8');
    if (topic === config.mqtt_birth_topic) {
      if (text !== 'online') return;
      if (birthTimer) clearTimeout(birthTimer);
      // HA's docs ask for "some random delay" before re-publishing on its birth message.
      birthTimer = setTimeout(publishAll, 500 + Math.floor(Math.random() * 1_500));
      birthTimer.unref();
      return;
    }
    const g = new RegExp(`^${ctx.base.replace(/[/]/g, '\\/')}\\/([a-z0-9_-]+)\\/generate_playlist\\/set$`).exec(topic);
    if (g && !packet.retain && accounts.includes(g[1]!) && generatePlaylist) {
      const account = g[1]!;
      if (now() - (lastPress.get(`playlist:${account}`) ?? 0) < SYNC_PRESS_MIN_MS) return;
      lastPress.set(`playlist:${account}`, now());
      log.info({ account }, 'mqtt: generate vibe playlist pressed');
      generatePlaylist(account).catch((err: Error) => log.warn({ account, err: err.message }, 'mqtt: generate vibe playlist failed'));
      return;
    }
    const m = new RegExp(`^${ctx.base.replace(/[/]/g, '\\/')}\\/([a-z0-9_-]+)\\/sync\\/set$`).exec(topic);
    if (m && !packet.retain && accounts.includes(m[1]!)) {
      const account = m[1]!;
      if (now() - (lastPress.get(account) ?? 0) < SYNC_PRESS_MIN_MS) return;
      lastPress.set(account, now());
      log.info({ account }, 'mqtt: sync now pressed');
      syncNow(account).catch((err: Error) => log.warn({ account, err: err.message }, 'mqtt: sync now failed'));
    }
  }

  /** "Not authorized": say so in health, and ask the Supervisor again for the credentials (at most every 30 s). */
  function onRefused(c: MqttClient, err: Error): void {
    health?.report('mqtt', { code: 'MQTT_NOT_AUTHORIZED', message: 'The MQTT broker refused Vibescope\'s user name or password, '
      + 'so Home Assistant\'s Vibescope entities are not updated. Check the MQTT user and password options (in the add-on, leave them '
      + 'empty to use the Mosquitto broker add-on\'s). Vibescope keeps trying.' });
    if (!refreshConnection || now() - lastRefreshAt < 30_000) return;
    lastRefreshAt = now();
    refreshConnection().then((fresh) => {
      if (!fresh || (fresh.username === c.options.username && fresh.password === c.options.password)) return;
      log.info('mqtt: new broker credentials from the Supervisor');
      c.options.username = fresh.username;
      c.options.password = fresh.password;
    }, (e: Error) => log.warn({ err: e.message, cause: err.message }, 'mqtt: could not ask for new broker credentials'));
  }

  /** Loads the MQTT client only when a broker is configured (a standalone install without one never pays its memory). */
  function connect(conn: MqttConnection): void {
    import('mqtt').then(({ default: mqtt }) => { if (!stopped) open(mqtt.connect, conn); },
      (err: Error) => log.error({ err }, 'mqtt: the MQTT client could not be loaded'));
  }

  function open(connectTo: typeof import('mqtt').connect, conn: MqttConnection): void {
    const c = connectTo(conn.url, {
      username: conn.username, password: conn.password, clientId,
      reconnectPeriod: RECONNECT_MIN_MS, connectTimeout: 10_000, queueQoSZero: false, clean: true,
      // mqtt.js stops for good after a refused CONNACK unless told otherwise; a broker that gets the user added must see us again.
      reconnectOnConnackError: true,
      will: { topic: availabilityTopic(ctx), payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    client = c;
    let attempts = 0;
    let refused = false;
    let scanning: ReturnType<typeof startupScan> | null = null;
    c.on('connect', () => {
      status.connected = true; status.last_error = null;
      attempts = 0; refused = false;
      c.options.reconnectPeriod = RECONNECT_MIN_MS;
      health?.clear('mqtt');
      log.info({ broker: status.broker, client_id: clientId }, 'mqtt: connected');
      c.subscribe({ [config.mqtt_birth_topic]: { qos: 1 }, [`${ctx.base}/+/sync/set`]: { qos: 1 }, [`${ctx.base}/+/generate_playlist/set`]: { qos: 1 } });
      if (!scanned) {
        scanned = true;
        scanning = startupScan({ client: c, ctx, accounts, mode, identity, dataDir: path.resolve(config.data_dir), health, log, later,
          isStopped: () => stopped, publishDiscovery: () => { holdDiscovery = false; publishDiscovery(); } });
      }
      publishAll();
    });
    c.on('reconnect', () => {
      attempts += 1;
      c.options.reconnectPeriod = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** attempts);
    });
    c.on('message', (topic, buf, packet) => {
      if (scanning?.(topic, buf.toString('utf8'), packet.retain)) return;
      onMessage(topic, buf, packet);
    });
    c.on('close', () => {
      if (status.connected) log.warn({ broker: status.broker }, 'mqtt: disconnected, reconnecting');
      else if (!stopped && !refused) {
        health?.report('mqtt', { code: 'MQTT_UNREACHABLE', message: 'Vibescope cannot reach the MQTT broker, so Home Assistant\'s '
          + 'Vibescope entities are not updated. Check that the broker (the Mosquitto broker add-on) is running; Vibescope keeps trying '
          + 'and publishes everything again when it is back.' });
      }
      status.connected = false;
      retained.disconnected();
    });
    c.on('error', (err: Error & { code?: unknown }) => {
      refused = typeof err.code === 'number' && AUTH_REFUSED.has(err.code);
      if (status.last_error !== err.message) log[refused ? 'error' : 'warn']({ err: err.message, broker: status.broker }, 'mqtt: error');
      status.last_error = err.message;
      if (refused) onRefused(c, err);
    });
  }

  function setHealthView(): void {
    const state = health?.state() ?? null;
    for (const view of views.values()) { view.health = state; publishView(view.account); }
  }

  return {
    status: (): MqttStatus => ({ ...status }),
    /** Subscribes to the bus and connects (or logs once that MQTT is off). */
    start(): void {
      if (!connection) { log.info('mqtt: no broker configured (mqtt_url, or the Supervisor MQTT service): Home Assistant entities are off'); return; }
      for (const account of accounts) {
        views.set(account, { account, now_playing: initialNowPlaying(account), counters: null, sync: initialSync(account), features: null,
          story: initialStory?.(account) ?? null, scrobble: initialScrobble?.() ?? null,
          playlist: playlistView?.(account) ?? null, health: health?.state() ?? null });
        refreshCounters(account);
      }
      scheduleMidnight();
      const onStream = (row: StreamRow) => refreshCounters(row.account);
      unsubscribe.push(
        bus.on('play.recorded', 'mqtt', onStream),
        bus.on('stream.recorded', 'mqtt', onStream),
        bus.on('stream.merged', 'mqtt', onStream),
        bus.on('skip.detected', 'mqtt', (row) => {
          refreshCounters(row.account);
          if (!views.has(row.account) || !client?.connected) return;
          client.publish(stateTopic(ctx, row.account, 'skip'), JSON.stringify(skipEvent(row)), { qos: 1, retain: false });
        }),
        bus.on('nowplaying.changed', 'mqtt', (np) => {
          const view = views.get(np.account);
          if (!view) return;
          view.now_playing = np;
          view.features = np.track_uri ? stats.trackFeatures(np.track_uri) : null;
          view.genres = genresOf?.(np.track_uri) ?? null;
          publishView(np.account);
        }),
        bus.on('sync.status', 'mqtt', (s) => {
          const view = views.get(s.account);
          if (!view) return;
          view.sync = s;
          publishView(s.account);
        }),
        bus.on('health.changed', 'mqtt', setHealthView),
        bus.on('metadata.updated', 'mqtt', () => {
          // New genres: the current track's attribute and the week's top genre may have changed.
          for (const view of views.values()) { view.genres = genresOf?.(view.now_playing?.track_uri ?? null) ?? null; refreshCounters(view.account); }
        }),
        bus.on('scrobble.status', 'mqtt', (scrobble) => {
          for (const view of views.values()) { view.scrobble = scrobble; publishView(view.account); }
        }),
        bus.on('story.created', 'mqtt', (story) => {
          const view = views.get(story.account);
          if (!view) return;
          // The sensor shows the newest weekly story; the event fires for every story that is ready.
          if (story.period === 'week' && (!view.story || story.start >= view.story.start)) { view.story = story; publishView(story.account); }
          if (client?.connected) client.publish(stateTopic(ctx, story.account, 'story'), JSON.stringify(storyEventPayload(story)), { qos: 1, retain: false });
        }),
        bus.on('features.extracted', 'mqtt', () => {
          for (const view of views.values()) {
            if (!view.now_playing?.track_uri) continue;
            view.features = stats.trackFeatures(view.now_playing.track_uri);
            publishView(view.account);
          }
        }),
        bus.on('import.progress', 'mqtt', (p) => { if (p.state !== 'running') for (const a of accounts) refreshCounters(a); }),
        bus.on('playlist.generated', 'mqtt', (p) => {
          const view = views.get(p.account);
          if (!view) return;
          if (p.kind === 'vibe') { view.playlist = playlistView?.(p.account) ?? null; publishView(p.account); }
          if (client?.connected) {
            client.publish(stateTopic(ctx, p.account, 'playlist'), JSON.stringify({ event_type: 'ready', kind: p.kind, url: p.url, name: p.name,
              tracks: p.tracks, new: p.new, generated_at: new Date(p.generated_at).toISOString() }), { qos: 1, retain: false });
          }
        }),
      );
      connect(connection);
    },
    /** Publishes `offline` itself (a broker sends the will only on an unclean disconnect), then disconnects. Idempotent. */
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      for (const off of unsubscribe.splice(0)) off();
      retained.stop();
      for (const t of timers) clearTimeout(t);
      timers.clear();
      if (midnight) clearTimeout(midnight);
      if (birthTimer) clearTimeout(birthTimer);
      const c = client;
      client = null;
      if (!c) return;
      if (c.connected) {
        await Promise.race([c.publishAsync(availabilityTopic(ctx), 'offline', { qos: 1, retain: true }), new Promise((r) => setTimeout(r, 2_000))]);
      }
      await Promise.race([c.endAsync(), new Promise((r) => setTimeout(r, 2_000))]);
    },
  };
}

export type Mqtt = ReturnType<typeof createMqtt>;
