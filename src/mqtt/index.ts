import mqtt, { type MqttClient } from 'mqtt';
import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';
import type { Bus } from '../bus.js';
import type { Stats } from '../stats/index.js';
import type { NowPlaying, StreamRow, SyncStatus } from '../types.js';
import { ENTITIES, type AccountView } from './entities.js';
import { availabilityTopic, discoveryPayloads, stateTopic, type DiscoveryContext } from './discovery.js';

export { ENTITIES, cutState, MAX_STATE_LENGTH } from './entities.js';
export { devicePayload, entityPayloads, deviceId } from './discovery.js';

/** Where to connect, resolved by main.ts from the options or the Supervisor. */
export interface MqttConnection { url: string; username?: string | undefined; password?: string | undefined }

/** What the health endpoint shows. */
export interface MqttStatus { enabled: boolean; connected: boolean; broker: string | null; last_error: string | null }

export interface MqttDeps {
  config: Config; connection: MqttConnection | null; stats: Stats; bus: Bus; log: Logger; accounts: string[]; version: string;
  /** The account's sync state and now playing when MQTT starts (later: bus events). */
  initialSync: (account: string) => SyncStatus | null;
  initialNowPlaying: (account: string) => NowPlaying | null;
  /** "Sync now" button. */
  syncNow: (account: string) => Promise<unknown>;
  /** "Generate vibe playlist" button, and the latest playlist for its sensor (src/playlists; absent: buttons do nothing). */
  generatePlaylist?: (account: string) => Promise<unknown>;
  playlistView?: (account: string) => AccountView['playlist'];
  configurationUrl?: string | null;
  now?: () => number;
  /** Minimum time between two publishes of one entity (ms). */
  minIntervalMs?: number;
}

/** How long a retained-config scan at the first connect waits for the broker's retained messages. */
const SCAN_MS = 1_000;
/** Reconnect back-off: first retry after this, doubling up to the cap while the broker stays away. */
const RECONNECT_MIN_MS = 1_000;
const RECONNECT_MAX_MS = 60_000;
/** Presses of "Sync now" closer than this are ignored. */
const SYNC_PRESS_MIN_MS = 10_000;

/**
 * Home Assistant over MQTT (research/mqtt-discovery.md): discovery from the entity table, retained
 * states that follow bus events (at most one publish per entity per second), skip events, an
 * LWT-backed availability topic, re-publishing when HA's birth message arrives, and "Sync now".
 * A broker outage never blocks recording: while disconnected, states are only remembered, and all of
 * them are published again on reconnect.
 */
export function createMqtt({ config, connection, stats, bus, log, accounts, version, initialSync, initialNowPlaying, syncNow,
  generatePlaylist, playlistView, configurationUrl = null, now = Date.now, minIntervalMs = 1_000 }: MqttDeps) {
  const ctx: DiscoveryContext = {
    prefix: config.mqtt_discovery_prefix, base: config.mqtt_base_topic, version, configurationUrl,
    displayName: (a) => config.accounts.find((x) => x.name === a)?.display_name ?? a,
  };
  const status: MqttStatus = { enabled: connection !== null, connected: false, broker: connection ? redactUrl(connection.url) : null, last_error: null };
  const views = new Map<string, AccountView>();
  const desired = new Map<string, string>();     // topic → retained payload we want at the broker
  const published = new Map<string, string>();   // topic → what the broker has from us (this connection)
  const lastSent = new Map<string, number>();
  const pending = new Map<string, NodeJS.Timeout>();
  const unsubscribe: (() => void)[] = [];
  const lastPress = new Map<string, number>();
  let client: MqttClient | null = null;
  let midnight: NodeJS.Timeout | null = null;
  let birthTimer: NodeJS.Timeout | null = null;
  let scanned = false;
  let stopped = false;

  function redactUrl(url: string): string {
    try { const u = new URL(url); u.password = ''; u.username = ''; return u.toString(); } catch { return 'invalid url'; }
  }

  /** Publishes one retained topic now if connected (and different from what the broker has). */
  function send(topic: string): void {
    const payload = desired.get(topic);
    if (payload === undefined || !client?.connected || published.get(topic) === payload) return;
    published.set(topic, payload);
    lastSent.set(topic, now());
    client.publish(topic, payload, { qos: 1, retain: true }, (err) => {
      if (err) { published.delete(topic); log.warn({ topic, err: err.message }, 'mqtt: publish failed'); }
    });
  }

  /** Sets a retained state; publishes at most once per entity per `minIntervalMs` (the latest value wins). */
  function setRetained(topic: string, payload: string): void {
    desired.set(topic, payload);
    if (pending.has(topic)) return;
    const wait = (lastSent.get(topic) ?? -Infinity) + minIntervalMs - now();
    if (wait <= 0) { send(topic); return; }
    pending.set(topic, setTimeout(() => { pending.delete(topic); send(topic); }, wait));
  }

  function publishView(account: string): void {
    const view = views.get(account)!;
    for (const def of ENTITIES) {
      if (def.state) setRetained(stateTopic(ctx, account, def.key), def.state(view) ?? 'None');
      if (def.attributes) setRetained(`${stateTopic(ctx, account, def.key)}/attributes`, JSON.stringify(def.attributes(view) ?? {}));
    }
  }

  function refreshCounters(account: string): void {
    const view = views.get(account);
    if (!view) return;
    try {
      view.counters = stats.counters(account, now());
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
      for (const { topic, payload } of discoveryPayloads(ctx, account, config.mqtt_discovery_mode)) {
        desired.set(topic, JSON.stringify(payload));
        published.delete(topic);
        send(topic);
      }
    }
  }

  /** Everything again: availability, configs, then states (on connect and on HA's birth message). */
  function publishAll(): void {
    published.clear();
    if (!client?.connected) return;
    client.publish(availabilityTopic(ctx), 'online', { qos: 1, retain: true });
    publishDiscovery();
    for (const topic of desired.keys()) send(topic);
  }

  /** At the first connect: clears retained configs of ours that belong to accounts no longer configured. */
  function clearStale(retainedConfigs: Map<string, string>): void {
    const keep = new Set(accounts.flatMap((a) => discoveryPayloads(ctx, a, config.mqtt_discovery_mode).map((p) => p.topic)));
    for (const [topic, payload] of retainedConfigs) {
      if (keep.has(topic) || payload === '') continue;
      if (!payload.includes(availabilityTopic(ctx)) && !payload.includes(`"${ctx.base}/`)) continue;
      log.info({ topic }, 'mqtt: clearing a discovery config of a removed account or mode');
      client?.publish(topic, '', { qos: 1, retain: true });
    }
  }

  function onMessage(topic: string, buf: Buffer, packet: { retain: boolean }, scan: Map<string, string> | null): void {
    const text = buf.toString('utf8');
    if (scan && topic.startsWith(`${ctx.prefix}/`) && topic.endsWith('/config')) { if (packet.retain) scan.set(topic, text); return; }
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

  function connect(conn: MqttConnection): void {
    client = mqtt.connect(conn.url, {
      username: conn.username, password: conn.password, clientId: `vibescope-${config.mqtt_base_topic.replace(/\W/g, '_')}`,
      reconnectPeriod: RECONNECT_MIN_MS, connectTimeout: 10_000, queueQoSZero: false, clean: true,
      will: { topic: availabilityTopic(ctx), payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    let scan: Map<string, string> | null = null;
    client.on('connect', () => {
      status.connected = true; status.last_error = null;
      client!.options.reconnectPeriod = RECONNECT_MIN_MS;
      log.info({ broker: status.broker }, 'mqtt: connected');
      const c = client!;
      c.subscribe({ [config.mqtt_birth_topic]: { qos: 1 }, [`${ctx.base}/+/sync/set`]: { qos: 1 }, [`${ctx.base}/+/generate_playlist/set`]: { qos: 1 } });
      if (!scanned) {
        scanned = true;
        scan = new Map();
        c.subscribe([`${ctx.prefix}/device/+/config`, `${ctx.prefix}/+/+/+/config`], { qos: 1 });
        setTimeout(() => {
          const found = scan!; scan = null;
          c.unsubscribe([`${ctx.prefix}/device/+/config`, `${ctx.prefix}/+/+/+/config`]);
          clearStale(found);
        }, SCAN_MS).unref();
      }
      publishAll();
    });
    client.on('message', (topic, buf, packet) => onMessage(topic, buf, packet, scan));
    client.on('close', () => {
      if (status.connected) log.warn({ broker: status.broker }, 'mqtt: disconnected, reconnecting');
      else if (client) client.options.reconnectPeriod = Math.min(RECONNECT_MAX_MS, (client.options.reconnectPeriod ?? RECONNECT_MIN_MS) * 2);
      status.connected = false;
      published.clear();
    });
    client.on('error', (err) => { status.last_error = err.message; log.warn({ err: err.message }, 'mqtt: error'); });
  }

  return {
    status: (): MqttStatus => ({ ...status }),
    /** Subscribes to the bus and connects (or logs once that MQTT is off). */
    start(): void {
      if (!connection) { log.info('mqtt: no broker configured (mqtt_url, or the Supervisor MQTT service): Home Assistant entities are off'); return; }
      for (const account of accounts) {
        views.set(account, { account, now_playing: initialNowPlaying(account), counters: null, sync: initialSync(account), features: null,
          playlist: playlistView?.(account) ?? null });
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
          const event = { event_type: 'skip', track: row.track_name, artists: row.artist_name ? [row.artist_name] : [],
            track_uri: row.track_uri, listened_s: Math.round(row.ms_played / 100) / 10, position_s: Math.round(row.ms_played / 100) / 10,
            duration_s: row.duration_ms === null ? null : Math.round(row.duration_ms / 100) / 10, ended_at: new Date(row.ended_at).toISOString() };
          client.publish(stateTopic(ctx, row.account, 'skip'), JSON.stringify(event), { qos: 1, retain: false });
        }),
        bus.on('nowplaying.changed', 'mqtt', (np) => {
          const view = views.get(np.account);
          if (!view) return;
          view.now_playing = np;
          view.features = np.track_uri ? stats.trackFeatures(np.track_uri) : null;
          publishView(np.account);
        }),
        bus.on('sync.status', 'mqtt', (s) => {
          const view = views.get(s.account);
          if (!view) return;
          view.sync = s;
          publishView(s.account);
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
      for (const t of pending.values()) clearTimeout(t);
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
