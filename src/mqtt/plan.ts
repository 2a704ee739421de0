import { ENTITIES } from './entities.js';
import { deviceId, discoveryPayloads, type DiscoveryContext } from './discovery.js';

/** A retained message found at the broker at start-up. */
export interface Retained { topic: string; payload: string }

/** What to do with the discovery configs at the broker before publishing ours (see {@link planDiscovery}). */
export interface DiscoveryPlan {
  /**
   * Our configs of configured accounts in the other discovery mode: each gets
   * `{"migrate_discovery": true}` first (HA unloads the entity and keeps its registry entry: entity id,
   * name, area, history), then the new configs go out, then these topics are emptied.
   */
  migrate: string[];
  /** Our configs that nothing wants any more (a removed account, a removed entity): emptied. */
  stale: string[];
  /** Configs that use our base topic but belong to another Vibescope install (or to an earlier one of this data folder). */
  foreign: { topic: string; device: string }[];
}

const INSTANCE_ID = /^vibescope_[0-9a-f]{8}_/;

function identifiersOf(payload: Record<string, unknown>): string[] {
  const dev = (payload.device ?? payload.dev) as Record<string, unknown> | undefined;
  const ids = dev?.identifiers ?? dev?.ids;
  return (Array.isArray(ids) ? ids : [ids]).filter((x): x is string => typeof x === 'string');
}

/**
 * Decides, from the retained discovery configs at the broker and the mode published last time,
 * which configs to migrate (HA's documented procedure: home-assistant.io integrations/mqtt
 * "Migration from single component to device-based discovery", and its rollback), which to clear
 * and which belong to someone else. A config is ours when it names our base topic and its device
 * identifier has our form (`vibescope_<instance>_…`, or `vibescope_<account>` in the legacy
 * scheme); configs of others are never touched.
 * @param previousMode the mode of our configs at the broker as src/mqtt/identity.ts remembers it:
 * its topics are migrated even when the broker lost them (HA may still have the entities loaded).
 */
export function planDiscovery({ ctx, accounts, mode, previousMode, retained }: {
  ctx: DiscoveryContext; accounts: string[]; mode: 'device' | 'entity'; previousMode: 'device' | 'entity' | null; retained: Retained[];
}): DiscoveryPlan {
  const instance = ctx.instance ?? null;
  const want = new Set(accounts.flatMap((a) => discoveryPayloads(ctx, a, mode).map((p) => p.topic)));
  const current = new Set(accounts.map((a) => deviceId(a, instance)));
  const keys = new Set(ENTITIES.map((e) => e.key));
  const ours = (id: string) => (instance ? id.startsWith(`vibescope_${instance}_`) : id.startsWith('vibescope_') && !INSTANCE_ID.test(id));
  /** An old-mode topic of ours whose entity still exists: migrate it; otherwise it is stale. */
  const migratable = (topic: string) => {
    const rest = topic.slice(ctx.prefix.length + 1).split('/');
    if (mode === 'entity') return rest[0] === 'device';
    return rest[0] !== 'device' && rest.length === 4 && keys.has(rest[2]!);
  };
  const plan: DiscoveryPlan = { migrate: [], stale: [], foreign: [] };
  const migrate = new Set<string>();
  for (const { topic, payload } of retained) {
    if (!payload || want.has(topic) || !payload.includes(`"${ctx.base}/`)) continue;
    let parsed: unknown;
    try { parsed = JSON.parse(payload); } catch { continue; } // not JSON: not a config of ours
    if (typeof parsed !== 'object' || parsed === null || 'migrate_discovery' in parsed) continue;
    const id = identifiersOf(parsed as Record<string, unknown>)[0];
    if (id === undefined) continue;
    if (current.has(id) && migratable(topic)) migrate.add(topic);
    else if (current.has(id) || ours(id)) plan.stale.push(topic);
    else plan.foreign.push({ topic, device: id });
  }
  if (previousMode && previousMode !== mode) {
    for (const a of accounts) for (const { topic } of discoveryPayloads(ctx, a, previousMode)) if (!want.has(topic)) migrate.add(topic);
  }
  plan.migrate = [...migrate].sort();
  plan.stale.sort();
  return plan;
}
