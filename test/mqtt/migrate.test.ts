import { expect } from 'chai';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../../src/config/index.js';
import { startVibescope } from '../../src/main.js';
import { ENTITIES } from '../../src/mqtt/index.js';
import { startMosquitto, haClient, type Mosquitto } from '../support/mosquitto.js';
import { memoryLogger, tempDir, waitFor } from '../support/helpers.js';

const identityOf = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'mqtt.json'), 'utf8'));
type Logged = { topic: string; payload: string; retain: boolean };
const isConfig = (m: Logged) => m.topic.startsWith('homeassistant/') && m.topic.endsWith('/config');

describe('mqtt: switching the discovery mode keeps the entities (HA migrate_discovery), over a real mosquitto', function () {
  this.timeout(90_000);
  let broker: Mosquitto;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  /** Every app a test started: stopped after it (stop() is idempotent), also when an assertion threw first. */
  const apps: Awaited<ReturnType<typeof startVibescope>>[] = [];
  beforeEach(async () => { broker = await startMosquitto(); tmp = await tempDir(); });
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.stop().catch(() => undefined);
    await broker.close(); await tmp.remove();
  });
  const start = (mode: 'device' | 'entity', dir = tmp.dir, extra: Record<string, unknown> = {}) => startVibescope({
    config: parseConfig({ metadata_enrichment: false, data_dir: dir, mqtt_url: broker.url, mqtt_discovery_mode: mode, accounts: [{ name: 'anna' }], ...extra }),
    addon: false, log: memoryLogger('warn').log, version: 't', port: 0, env: {} }).then((app) => { apps.push(app); return app; });

  /** Asserts HA's documented order for each old topic: migrate (not retained) → the new config(s) → an empty retained payload. */
  function expectMigrated(log: Logged[], oldTopics: string[], newTopics: string[]): void {
    for (const old of oldTopics) {
      const migrate = log.findIndex((m) => m.topic === old && m.payload !== '' && JSON.parse(m.payload).migrate_discovery === true);
      expect(migrate, `migrate_discovery sent to ${old}`).to.be.at.least(0);
      expect(log[migrate]!.retain, 'the migrate message is not retained').to.equal(false);
      const cleared = log.findIndex((m, i) => i > migrate && m.topic === old && m.payload === '');
      expect(cleared, `${old} emptied after the migration`).to.be.greaterThan(migrate);
      for (const t of newTopics) {
        const published = log.findIndex((m, i) => i > migrate && m.topic === t && m.payload.startsWith('{"'));
        expect(published, `${t} published between migrate and clear of ${old}`).to.be.greaterThan(migrate).and.lessThan(cleared);
      }
    }
  }

  it('entity → device → entity: migrate, new configs, then empty old topics; unique_ids and discovery ids never change', async () => {
    const ha = await haClient(broker.url, ['homeassistant/#']);
    try {
      let app = await start('entity');
      const id = identityOf(tmp.dir).instance_id;
      const node = `vibescope_${id}_anna`;
      // Every row of the entity table has its per-entity topic (<prefix>/<component>/<node>/<key>/config) before the switch:
      // the configs go out one after another, and a slow machine had only some of them when the first app stopped.
      const tableTopics = ENTITIES.map((def) => `homeassistant/${def.component}/${node}/${def.key}/config`);
      await waitFor(() => tableTopics.every((t) => ha.value(t)?.startsWith('{"')), { what: 'a per-entity config for every entity' });
      await waitFor(() => identityOf(tmp.dir).discovery_mode === 'entity', { what: 'mode remembered' });
      await app.stop();
      const entityConfigs = new Map([...ha.last].filter(([t, m]) => isConfig({ topic: t, ...m }) && m.payload !== ''));
      const uniqueIds = [...entityConfigs.values()].map((m) => JSON.parse(m.payload).unique_id).filter(Boolean).sort();
      const discoveryIds = [...entityConfigs.keys()].map((t) => t.split('/').slice(2, 4).join(' ')).sort();

      const from = ha.log.length;
      app = await start('device');
      const deviceTopic = `homeassistant/device/${node}/config`;
      await waitFor(() => identityOf(tmp.dir).discovery_mode === 'device', { what: 'device mode remembered' });
      await waitFor(() => [...entityConfigs.keys()].every((t) => ha.value(t) === ''), { what: 'old topics emptied' });
      const log = ha.log.slice(from);
      expectMigrated(log, [...entityConfigs.keys()], [deviceTopic]);
      const device = JSON.parse(ha.value(deviceTopic)!);
      expect(Object.values<any>(device.components).map((c) => c.unique_id).filter(Boolean).sort()).to.deep.equal(uniqueIds);
      expect(Object.keys(device.components).map((k) => `${node} ${k}`).sort()).to.deep.equal(discoveryIds);
      await app.stop();

      const back = ha.log.length;
      app = await start('entity');
      await waitFor(() => identityOf(tmp.dir).discovery_mode === 'entity', { what: 'entity mode remembered' });
      await waitFor(() => ha.value(deviceTopic) === '', { what: 'device topic emptied' });
      expectMigrated(ha.log.slice(back), [deviceTopic], [...entityConfigs.keys()]);
      await app.stop();
    } finally { await ha.close(); }
  });

  it('migrates even when the broker lost its retained configs (Home Assistant may still have the entities loaded)', async () => {
    let app = await start('device');
    await waitFor(() => identityOf(tmp.dir).discovery_mode === 'device', { what: 'device mode remembered' });
    await app.stop();
    await broker.stop();
    await broker.start(); // no persistence: every retained message is gone
    const ha = await haClient(broker.url, ['homeassistant/#']);
    try {
      app = await start('entity');
      const node = `vibescope_${identityOf(tmp.dir).instance_id}_anna`;
      await waitFor(() => identityOf(tmp.dir).discovery_mode === 'entity', { what: 'entity mode remembered' });
      expectMigrated(ha.log, [`homeassistant/device/${node}/config`], [`homeassistant/sensor/${node}/plays_today/config`]);
      await app.stop();
    } finally { await ha.close(); }
  });

  it('keeps the ids of a data folder that published before instance ids existed (no renamed entities)', async () => {
    mkdirSync(path.join(tmp.dir, 'journal'), { recursive: true }); // a folder an earlier version used
    const ha = await haClient(broker.url, ['homeassistant/#']);
    try {
      const app = await start('device');
      const config = JSON.parse(await waitFor(() => ha.value('homeassistant/device/vibescope_anna/config'), { what: 'legacy device topic' }));
      expect(config.components.plays_today.unique_id).to.equal('vibescope_anna_plays_today');
      expect(config.device.identifiers).to.deep.equal(['vibescope_anna']);
      expect(identityOf(tmp.dir)).to.include({ id_scheme: 'legacy' });
      expect(broker.output()).to.include(`as vibescope-${identityOf(tmp.dir).instance_id}`, 'the client id still carries the instance');
      await app.stop();
    } finally { await ha.close(); }
  });
});

describe('mqtt: two installs on one broker', function () {
  this.timeout(60_000);
  let broker: Mosquitto;
  let a: Awaited<ReturnType<typeof tempDir>>;
  let b: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => { broker = await startMosquitto(); a = await tempDir(); b = await tempDir(); });
  afterEach(async () => { await broker.close(); await a.remove(); await b.remove(); });
  const start = (dir: string, base: string) => {
    const { log, lines } = memoryLogger('info');
    return startVibescope({ config: parseConfig({ metadata_enrichment: false, data_dir: dir, mqtt_url: broker.url, mqtt_base_topic: base }), addon: false, log, version: 't',
      port: 0, env: {} }).then((app) => ({ app, lines }));
  };

  it('with their own base topics: both stay connected, neither clears the other\'s device, health stays ok', async () => {
    const ha = await haClient(broker.url, ['homeassistant/#']);
    const one = await start(a.dir, 'vibescope');
    const two = await start(b.dir, 'vibescope_kids');
    try {
      const [ida, idb] = [identityOf(a.dir).instance_id, identityOf(b.dir).instance_id];
      expect(ida).to.not.equal(idb);
      await waitFor(() => ha.value(`homeassistant/device/vibescope_${ida}_default/config`) && ha.value(`homeassistant/device/vibescope_${idb}_default/config`),
        { what: 'both devices' });
      await new Promise((r) => setTimeout(r, 2_500)); // past both start-up scans
      expect(ha.value(`homeassistant/device/vibescope_${ida}_default/config`)).to.not.equal('');
      expect(ha.value(`homeassistant/device/vibescope_${idb}_default/config`)).to.not.equal('');
      expect(one.app.mqtt.status().connected && two.app.mqtt.status().connected).to.equal(true);
      expect([...one.lines, ...two.lines].join('\n')).to.not.include('mqtt: disconnected');
      expect(one.app.health.state().status).to.equal('ok');
      expect(two.app.health.state().status).to.equal('ok');
    } finally { await one.app.stop(); await two.app.stop(); await ha.close(); }
  });

  it('with the same base topic: both keep their own configs and the second says so in health', async () => {
    const ha = await haClient(broker.url, ['homeassistant/#']);
    const one = await start(a.dir, 'vibescope');
    await waitFor(() => ha.value(`homeassistant/device/vibescope_${identityOf(a.dir).instance_id}_default/config`), { what: 'first device' });
    const two = await start(b.dir, 'vibescope');
    try {
      await waitFor(() => two.app.health.state().problems.find((p) => p.id === 'mqtt.base_topic'), { what: 'shared base topic reported' });
      const problem = two.app.health.state().problems.find((p) => p.id === 'mqtt.base_topic')!;
      expect(problem.message).to.include('"vibescope"').and.to.include('another MQTT base topic');
      expect(ha.value(`homeassistant/device/vibescope_${identityOf(a.dir).instance_id}_default/config`), 'not cleared by the other install').to.not.equal('');
      expect(one.app.mqtt.status().connected && two.app.mqtt.status().connected).to.equal(true);
    } finally { await one.app.stop(); await two.app.stop(); await ha.close(); }
  });
});
