import { ENTITIES, type EntityDef } from './entities.js';

/** What discovery payloads need to know besides the entity table. */
export interface DiscoveryContext {
  /** Discovery prefix, `homeassistant` by default. */
  prefix: string;
  /** Vibescope's own topic root, `vibescope` by default. */
  base: string;
  version: string;
  /** The panel: configuration_url of each device. */
  configurationUrl: string | null;
  displayName: (account: string) => string;
  /**
   * This install's instance id (src/mqtt/identity.ts), part of every device identifier and unique_id
   * so two installs on one broker never collide; null for the legacy scheme (installs that published
   * `vibescope_<account>` before instance ids existed keep those ids).
   */
  instance?: string | null;
}

export const ORIGIN_URL = 'https://github.com/vibescope/vibescope';

/**
 * The device identifier, discovery node id and unique_id prefix of an account, stable forever:
 * `vibescope_<instance>_<account>`, or `vibescope_<account>` in the legacy scheme (no instance).
 */
export const deviceId = (account: string, instance: string | null = null) =>
  (instance ? `vibescope_${instance}_${account}` : `vibescope_${account}`);
const idOf = (ctx: DiscoveryContext, account: string) => deviceId(account, ctx.instance ?? null);
/** The availability topic (LWT). */
export const availabilityTopic = (ctx: DiscoveryContext) => `${ctx.base}/status`;
/** An account's topic root. */
export const accountTopic = (ctx: DiscoveryContext, account: string) => `${ctx.base}/${account}`;
/** The state topic of one entity (its `topic`, else its key, below the account's topic). */
export const stateTopic = (ctx: DiscoveryContext, account: string, def: EntityDef | string) =>
  `${accountTopic(ctx, account)}/${typeof def === 'string' ? def : def.topic ?? def.key}`;
/** The availability topic of an entity with `own_availability`. */
export const entityAvailabilityTopic = (ctx: DiscoveryContext, account: string, def: EntityDef) =>
  `${accountTopic(ctx, account)}/${def.key}/availability`;

function device(ctx: DiscoveryContext, account: string) {
  const d: Record<string, unknown> = { identifiers: [idOf(ctx, account)], name: `Vibescope – ${ctx.displayName(account)}`,
    manufacturer: 'Vibescope', model: 'Spotify listening recorder', model_id: 'spotify', sw_version: ctx.version };
  if (ctx.configurationUrl) d.configuration_url = ctx.configurationUrl;
  return d;
}
const origin = (ctx: DiscoveryContext) => ({ name: 'Vibescope', sw_version: ctx.version, support_url: ORIGIN_URL });

/**
 * One entity's discovery config (without device/origin), from its table row. `unique_id` carries
 * the instance; `default_entity_id` does not (HA suffixes `_2` if a second install takes the same
 * one), so entity ids stay short and the same as before instance ids.
 */
export function componentConfig(def: EntityDef, ctx: DiscoveryContext, account: string): Record<string, unknown> {
  const topics = { state: stateTopic(ctx, account, def), base: accountTopic(ctx, account) };
  if (def.component === 'device_automation') return { platform: def.component, ...def.extra?.(topics) };
  const c: Record<string, unknown> = {
    platform: def.component, name: def.name, unique_id: `${idOf(ctx, account)}_${def.key}`,
    default_entity_id: `${def.component}.${deviceId(account)}_${def.key}`,
  };
  for (const key of ['icon', 'device_class', 'unit_of_measurement', 'state_class', 'entity_category', 'suggested_display_precision',
    'options', 'enabled_by_default'] as const) {
    if (def[key] !== undefined) c[key] = def[key];
  }
  if (def.state && def.component !== 'image') c.state_topic = topics.state;
  if (def.attributes) c.json_attributes_topic = `${topics.state}/attributes`;
  if (def.own_availability) {
    // research/mqtt-discovery.md §17: zigbee2mqtt's bridge topic + the entity's own, both must say online.
    c.availability = [{ topic: availabilityTopic(ctx) }, { topic: entityAvailabilityTopic(ctx, account, def) }];
    c.availability_mode = 'all';
  }
  return { ...c, ...def.extra?.(topics) };
}

/** One retained discovery message. */
export interface DiscoveryMessage { topic: string; payload: Record<string, unknown> }

/** Device-based discovery (HA >= 2024.11): one retained payload per account. */
export function devicePayload(ctx: DiscoveryContext, account: string): DiscoveryMessage {
  const components = Object.fromEntries(ENTITIES.map((def) => [def.key, componentConfig(def, ctx, account)]));
  return {
    topic: `${ctx.prefix}/device/${idOf(ctx, account)}/config`,
    payload: { device: device(ctx, account), origin: origin(ctx), availability: [{ topic: availabilityTopic(ctx) }], components },
  };
}

/**
 * Per-entity discovery (older Home Assistant): one retained payload per entity, on
 * `<prefix>/<component>/<device id>/<key>/config`, so each entity's discovery id ("<device id> <key>")
 * is the one it has in device mode and HA's migrate_discovery can move it either way.
 */
export function entityPayloads(ctx: DiscoveryContext, account: string): DiscoveryMessage[] {
  return ENTITIES.map((def) => {
    const { platform, ...config } = componentConfig(def, ctx, account);
    const payload: Record<string, unknown> = { ...config, device: device(ctx, account), origin: origin(ctx) };
    if (def.component !== 'device_automation' && !payload.availability) payload.availability = [{ topic: availabilityTopic(ctx) }];
    return { topic: `${ctx.prefix}/${String(platform)}/${idOf(ctx, account)}/${def.key}/config`, payload };
  });
}

/** The discovery payloads of an account in the chosen mode. */
export function discoveryPayloads(ctx: DiscoveryContext, account: string, mode: 'device' | 'entity'): DiscoveryMessage[] {
  return mode === 'device' ? [devicePayload(ctx, account)] : entityPayloads(ctx, account);
}
