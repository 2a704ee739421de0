import { expect } from 'chai';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadMqttIdentity, planDiscovery, devicePayload, entityPayloads } from '../../src/mqtt/index.js';
import { tempDir } from '../support/helpers.js';

describe('mqtt: the instance identity in data_dir/mqtt.json', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => { tmp = await tempDir(); });
  afterEach(async () => { chmodSync(tmp.dir, 0o700); await tmp.remove(); });

  it('a new folder gets a random 8-hex instance id with the instance scheme, and the same one at every start', async () => {
    const first = await loadMqttIdentity(tmp.dir);
    expect(first).to.include({ created: true, id_scheme: 'instance', discovery_mode: null, error: null });
    expect(first.instance_id).to.match(/^[0-9a-f]{8}$/);
    const again = await loadMqttIdentity(tmp.dir);
    expect(again).to.include({ created: false, instance_id: first.instance_id, id_scheme: 'instance' });
    const other = await tempDir();
    try { expect((await loadMqttIdentity(other.dir)).instance_id).to.not.equal(first.instance_id); } finally { await other.remove(); }
  });

  it('a folder an earlier version served from (snapshot or journal) keeps the ids without instance (legacy)', async () => {
    writeFileSync(path.join(tmp.dir, 'vibescope.db'), 'x');
    expect(await loadMqttIdentity(tmp.dir)).to.include({ id_scheme: 'legacy', created: true });
    const other = await tempDir();
    try {
      mkdirSync(path.join(other.dir, 'journal'));
      expect((await loadMqttIdentity(other.dir)).id_scheme).to.equal('legacy');
    } finally { await other.remove(); }
  });

  it('a damaged file is set aside and replaced', async () => {
    writeFileSync(path.join(tmp.dir, 'mqtt.json'), '{"instance_id": "nope"');
    const identity = await loadMqttIdentity(tmp.dir);
    expect(identity).to.include({ created: true, error: null });
    expect(readFileSync(path.join(tmp.dir, 'mqtt.json.damaged'), 'utf8')).to.equal('{"instance_id": "nope"');
    writeFileSync(path.join(tmp.dir, 'mqtt.json'), JSON.stringify({ instance_id: 'UPPER123', id_scheme: 'x' }));
    expect((await loadMqttIdentity(tmp.dir)).created).to.equal(true);
  });

  it('a read-only folder gives the same derived identity at every start (legacy ids) and says why', async function () {
    if (process.getuid?.() === 0) {
      // root ignores directory permissions: make writing fail with a path under a regular file instead.
      const file = path.join(tmp.dir, 'not-a-dir');
      writeFileSync(file, '');
      const a = await loadMqttIdentity(file);
      const b = await loadMqttIdentity(file);
      expect(a.error).to.be.an('error');
      expect(a).to.include({ id_scheme: 'legacy', instance_id: b.instance_id });
      return;
    }
    chmodSync(tmp.dir, 0o500);
    const a = await loadMqttIdentity(tmp.dir);
    const b = await loadMqttIdentity(tmp.dir);
    expect(a.error).to.be.an('error');
    expect(a).to.include({ id_scheme: 'legacy', instance_id: b.instance_id });
    expect(existsSync(path.join(tmp.dir, 'mqtt.json.tmp'))).to.equal(false);
  });
});

describe('mqtt: what the start-up scan does with the retained configs it finds', () => {
  const ctx = { prefix: 'homeassistant', base: 'vibescope', version: '1', configurationUrl: null, displayName: (a: string) => a, instance: '0a1b2c3d' };
  const asRetained = (list: { topic: string; payload: Record<string, unknown> }[]) => list.map((m) => ({ topic: m.topic, payload: JSON.stringify(m.payload) }));

  it('migrates our configs of configured accounts in the other mode, clears removed accounts, leaves others alone', () => {
    const retained = [
      ...asRetained(entityPayloads(ctx, 'anna')),                               // anna, per-entity: to migrate
      ...asRetained([devicePayload(ctx, 'ben')]),                               // ben was removed: stale
      ...asRetained([devicePayload({ ...ctx, instance: 'ffff0000' }, 'anna')]), // another install, same base topic
      ...asRetained([devicePayload({ ...ctx, base: 'zigbee2mqtt', instance: null }, 'x')]), // not under our base topic
      { topic: 'homeassistant/sensor/foo/bar/config', payload: 'not json "vibescope/"' },
      { topic: 'homeassistant/device/vibescope_0a1b2c3d_anna/config', payload: '' },
    ];
    const plan = planDiscovery({ ctx, accounts: ['anna'], mode: 'device', previousMode: 'entity', retained });
    expect(plan.migrate).to.deep.equal(entityPayloads(ctx, 'anna').map((p) => p.topic).sort());
    expect(plan.stale).to.deep.equal(['homeassistant/device/vibescope_0a1b2c3d_ben/config']);
    expect(plan.foreign).to.deep.equal([{ topic: 'homeassistant/device/vibescope_ffff0000_anna/config', device: 'vibescope_ffff0000_anna' }]);
  });

  it('migrates the remembered mode\'s topics even when the broker has none, and nothing when the mode did not change', () => {
    const plan = planDiscovery({ ctx, accounts: ['anna'], mode: 'entity', previousMode: 'device', retained: [] });
    expect(plan.migrate).to.deep.equal(['homeassistant/device/vibescope_0a1b2c3d_anna/config']);
    expect(planDiscovery({ ctx, accounts: ['anna'], mode: 'device', previousMode: 'device', retained: [] }).migrate).to.deep.equal([]);
  });

  it('in the legacy scheme, ids with an instance part are someone else\'s', () => {
    const legacy = { ...ctx, instance: null };
    const retained = asRetained([devicePayload(ctx, 'anna'), devicePayload(legacy, 'ben')]);
    const plan = planDiscovery({ ctx: legacy, accounts: ['anna'], mode: 'device', previousMode: 'device', retained });
    expect(plan.foreign.map((f) => f.device)).to.deep.equal(['vibescope_0a1b2c3d_anna']);
    expect(plan.stale).to.deep.equal(['homeassistant/device/vibescope_ben/config']);
  });
});
