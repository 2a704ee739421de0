import type { MqttClient } from 'mqtt';
import type { Logger } from '../log.js';

/**
 * The retained topics Vibescope wants at the broker, and what the broker has from this connection.
 * Publishes a topic only when its payload differs from what the broker has, and at most once per
 * `minIntervalMs` (the latest value wins). While disconnected it only remembers; after a reconnect
 * `resendAll()` publishes everything again.
 */
export function createRetainedPublisher({ client, log, now, minIntervalMs }: {
  client: () => MqttClient | null; log: Logger; now: () => number; minIntervalMs: number;
}) {
  const desired = new Map<string, string>();     // topic → retained payload we want at the broker
  const published = new Map<string, string>();   // topic → what the broker has from us (this connection)
  const lastSent = new Map<string, number>();
  const pending = new Map<string, NodeJS.Timeout>();

  /** Publishes one retained topic now if connected (and different from what the broker has). */
  function send(topic: string): void {
    const payload = desired.get(topic);
    const c = client();
    if (payload === undefined || !c?.connected || published.get(topic) === payload) return;
    published.set(topic, payload);
    lastSent.set(topic, now());
    c.publish(topic, payload, { qos: 1, retain: true }, (err) => {
      if (err) { published.delete(topic); log.warn({ topic, err: err.message }, 'mqtt: publish failed'); }
    });
  }

  return {
    /** Sets a retained payload; publishes at most once per topic per `minIntervalMs`. */
    set(topic: string, payload: string): void {
      desired.set(topic, payload);
      if (pending.has(topic)) return;
      const wait = (lastSent.get(topic) ?? -Infinity) + minIntervalMs - now();
      if (wait <= 0) { send(topic); return; }
      pending.set(topic, setTimeout(() => { pending.delete(topic); send(topic); }, wait));
    },
    /** Sets and publishes at once, unthrottled (discovery configs). */
    setNow(topic: string, payload: string): void {
      desired.set(topic, payload);
      published.delete(topic);
      send(topic);
    },
    /** Stops wanting a topic (it was cleared at the broker by the caller). */
    forget(topic: string): void { desired.delete(topic); published.delete(topic); },
    /** Everything wanted, for a client that (re)connected. `skip` filters topics to hold back. */
    resendAll(skip: (topic: string) => boolean = () => false): void {
      published.clear();
      for (const topic of desired.keys()) if (!skip(topic)) send(topic);
    },
    /** The broker forgot this connection's messages (disconnect). */
    disconnected(): void { published.clear(); },
    desired: (topic: string) => desired.get(topic),
    stop(): void { for (const t of pending.values()) clearTimeout(t); pending.clear(); },
  };
}

export type RetainedPublisher = ReturnType<typeof createRetainedPublisher>;
