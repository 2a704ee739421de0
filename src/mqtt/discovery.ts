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
}

export const ORIGIN_URL = 'https://github.com/vibescope/vibescope';

/** `vibescope_<account>`: device identifier, discovery node id and unique_id prefix (stable forever). */
export const deviceId = (account: string) => `vibescope_${account}`;
/** The availability topic (LWT). */
export const availabilityTopic = (ctx: DiscoveryContext) => `${ctx.base}/status`;
/** An account's topic root. */
export const accountTopic = (ctx: DiscoveryContext, account: string) => `${ctx.base}/${account}`;
/** The state topic of one entity. */
export const stateTopic = (ctx: DiscoveryContext, account: string, key: string) => `${accountTopic(ctx, account)}/${key}`;

function device(ctx: DiscoveryContext, account: string) {
  const d: Record<string, unknown> = { identifiers: [deviceId(account)], name: `Vibescope – ${ctx.displayName(account)}`,
    manufacturer: 'Vibescope', model: 'Spotify listening recorder', model_id: 'spotify', sw_version: ctx.version };
  if (ctx.configurationUrl) d.configuration_url = ctx.configurationUrl;
  return d;
}
const origin = (ctx: DiscoveryContext) => ({ name: 'Vibescope', sw_version: ctx.version, support_url: ORIGIN_URL });

/** One entity's discovery config (without device/origin/availability), from its table row. */
export function componentConfig(def: EntityDef, ctx: DiscoveryContext, account: string): Record<string, unknown> {
  const topics = { state: stateTopic(ctx, account, def.key), base: accountTopic(ctx, account) };
  if (def.component === 'device_automation') return { platform: def.component, ...def.extra?.(topics) };
  const c: Record<string, unknown> = {
    platform: def.component, name: def.name, unique_id: `${deviceId(account)}_${def.key}`,
    default_entity_id: `${def.component}.${deviceId(account)}_${def.key}`,
  };
  for (const key of ['icon', 'device_class', 'unit_of_measurement', 'state_class', 'entity_category', 'suggested_display_precision',
    'options', 'enabled_by_default'] as const) {
    if (def[key] !== undefined) c[key] = def[key];
  }
  if (def.state && def.component !== 'image') c.state_topic = topics.state;
  if (def.attributes) c.json_attributes_topic = `${topics.state}/attributes`;
  return { ...c, ...def.extra?.(topics) };
}

/** Device-based discovery (HA >= 2024.11): one retained payload per account. */
export function devicePayload(ctx: DiscoveryContext, account: string): { topic: string; payload: Record<string, unknown> } {
  const components = Object.fromEntries(ENTITIES.map((def) => [def.key, componentConfig(def, ctx, account)]));
  return {
    topic: `${ctx.prefix}/device/${deviceId(account)}/config`,
    payload: { device: device(ctx, account), origin: origin(ctx), availability: [{ topic: availabilityTopic(ctx) }], components },
  };
}

/** Per-entity discovery (older Home Assistant): one retained payload per entity. */
export function entityPayloads(ctx: DiscoveryContext, account: string): { topic: string; payload: Record<string, unknown> }[] {
  return ENTITIES.map((def) => {
    const { platform, ...config } = componentConfig(def, ctx, account);
    const payload: Record<string, unknown> = { ...config, device: device(ctx, account), origin: origin(ctx) };
    if (def.component !== 'device_automation') payload.availability = [{ topic: availabilityTopic(ctx) }];
    return { topic: `${ctx.prefix}/${String(platform)}/${deviceId(account)}/${def.key}/config`, payload };
  });
}

/** The discovery payloads of an account in the chosen mode. */
export function discoveryPayloads(ctx: DiscoveryContext, account: string, mode: 'device' | 'entity') {
  return mode === 'device' ? [devicePayload(ctx, account)] : entityPayloads(ctx, account);
}
