import type { MqttClient } from 'mqtt';
import type { Logger } from '../log.js';
import type { Health } from '../health.js';
import { ENTITIES } from './entities.js';
import { stateTopic, type DiscoveryContext } from './discovery.js';
import { saveMqttIdentity, type MqttIdentity } from './identity.js';
import { planDiscovery, type Retained } from './plan.js';

/** How long the retained-config scan at the first connect waits for the broker's retained messages. */
const SCAN_MS = 1_000;
/** After migrated configs went out, HA gets this long before their old topics are emptied. */
const MIGRATE_SETTLE_MS = 1_000;
/** Old state topics (a moved url_topic) are emptied this long after the new configs, once HA has resubscribed. */
const LEGACY_CLEAR_MS = 5_000;

export interface StartupScanDeps {
  client: MqttClient; ctx: DiscoveryContext; accounts: string[]; mode: 'device' | 'entity';
  identity: MqttIdentity | undefined; dataDir: string; health: Health | undefined; log: Logger;
  /** A timer that stop() cancels. */
  later: (fn: () => void, ms: number) => void;
  isStopped: () => boolean;
  /** Publishes our discovery configs (and stops holding them back). */
  publishDiscovery: () => void;
}

/**
 * The first connect's start-up pass. Subscribes for SCAN_MS to every retained discovery config and to
 * the state topics earlier versions used, then: `{"migrate_discovery": true}` to our configs in the
 * other mode, our configs, empty payloads for stale and (after MIGRATE_SETTLE_MS) migrated topics —
 * HA's documented order (research/mqtt-discovery.md §3) — and, LEGACY_CLEAR_MS later, empty payloads
 * for old state topics. Remembers the mode in data_dir/mqtt.json once the old configs are gone.
 * Returns the message filter: true when a message belonged to the scan.
 */
export function startupScan(deps: StartupScanDeps): (topic: string, text: string, retain: boolean) => boolean {
  const { client: c, ctx, accounts, log, later } = deps;
  const found: Retained[] = [];
  const legacy = new Set(accounts.flatMap((a) => ENTITIES.flatMap((def) => (def.legacy_topics ?? []).map((t) => stateTopic(ctx, a, t)))));
  const legacyFound: string[] = [];
  const filters = [`${ctx.prefix}/device/+/config`, `${ctx.prefix}/+/+/+/config`, ...legacy];
  let active = true;
  c.subscribe(filters, { qos: 1 });
  later(() => {
    active = false;
    c.unsubscribe(filters);
    startupPass(deps, found, legacyFound).catch((err: Error) => {
      log.warn({ err: err.message }, 'mqtt: start-up discovery pass failed; configs are published on the next connect');
      deps.publishDiscovery();
    });
  }, SCAN_MS);
  return (topic, text, retain) => {
    if (!active) return false;
    if (legacy.has(topic)) { if (retain && text !== '') legacyFound.push(topic); return true; }
    if (topic.startsWith(`${ctx.prefix}/`) && topic.endsWith('/config')) { if (retain) found.push({ topic, payload: text }); return true; }
    return false;
  };
}

async function startupPass({ client: c, ctx, accounts, mode, identity, dataDir, health, log, later, isStopped, publishDiscovery }: StartupScanDeps,
  found: Retained[], legacyStates: string[]): Promise<void> {
  const plan = planDiscovery({ ctx, accounts, mode, previousMode: identity?.discovery_mode ?? null, retained: found });
  for (const topic of plan.migrate) {
    log.info({ topic, mode }, 'mqtt: discovery mode changed: asking Home Assistant to migrate the entity (it keeps its id and history)');
    await c.publishAsync(topic, JSON.stringify({ migrate_discovery: true }), { qos: 1, retain: false });
  }
  publishDiscovery();
  if (plan.foreign.length > 0) {
    log.warn({ devices: [...new Set(plan.foreign.map((f) => f.device))], base_topic: ctx.base }, 'mqtt: another Vibescope publishes under the same base topic');
    health?.report('mqtt.base_topic', { code: 'MQTT_BASE_TOPIC_SHARED', message: `Another Vibescope (or an earlier install of this one) `
      + `publishes Home Assistant entities under the MQTT base topic "${ctx.base}", so the two overwrite each other's states. Give one `
      + 'of them another MQTT base topic, or delete the old Vibescope device in Home Assistant (Settings → Devices).' });
  } else {
    health?.clear('mqtt.base_topic');
  }
  for (const topic of plan.stale) {
    log.info({ topic }, 'mqtt: clearing a discovery config of a removed account or entity');
    c.publish(topic, '', { qos: 1, retain: true });
  }
  if (plan.migrate.length > 0) await new Promise((r) => { later(() => r(null), MIGRATE_SETTLE_MS); });
  if (isStopped() || !c.connected) return;
  for (const topic of plan.migrate) await c.publishAsync(topic, '', { qos: 1, retain: true });
  if (identity && identity.discovery_mode !== mode) {
    identity.discovery_mode = mode;
    try { await saveMqttIdentity(dataDir, identity); } catch (err) {
      log.warn({ err }, 'mqtt: could not remember the discovery mode (the next start migrates again, which is harmless)');
    }
  }
  if (legacyStates.length > 0) {
    later(() => {
      if (isStopped() || !c.connected) return;
      for (const topic of legacyStates) { log.info({ topic }, 'mqtt: clearing a state topic earlier versions used'); c.publish(topic, '', { qos: 1, retain: true }); }
    }, LEGACY_CLEAR_MS);
  }
}
