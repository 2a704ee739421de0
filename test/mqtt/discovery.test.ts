import { expect } from 'chai';
import { parseConfig } from '../../src/config/index.js';
import { ENTITIES, cutState, devicePayload, entityPayloads } from '../../src/mqtt/index.js';

/** homeassistant/components/sensor/const.py (2026): allowed units and state classes for the classes we use. */
const DEVICE_CLASS_UNITS: Record<string, (string | undefined)[]> = { duration: ['d', 'h', 'min', 's', 'ms'], timestamp: [undefined], enum: [undefined] };
const DEVICE_CLASS_STATE_CLASSES: Record<string, (string | undefined)[]> = {
  duration: ['measurement', 'total', 'total_increasing', undefined], timestamp: [undefined], enum: [undefined],
};
const BINARY_CLASSES = ['problem', 'running', 'connectivity', undefined];
const ctx = { prefix: 'homeassistant', base: 'vibescope', version: '0.1.0', configurationUrl: 'http://vibes:8099/', displayName: (a: string) => a.toUpperCase() };
void parseConfig;

describe('mqtt: discovery payloads from the entity table', () => {
  it('one device per account with origin, availability and every entity of the table', () => {
    const { topic, payload } = devicePayload(ctx, 'anna') as any;
    expect(topic).to.equal('homeassistant/device/vibescope_anna/config');
    expect(payload.device).to.include({ name: 'Vibescope – ANNA', manufacturer: 'Vibescope', sw_version: '0.1.0', configuration_url: 'http://vibes:8099/' });
    expect(payload.device.identifiers).to.deep.equal(['vibescope_anna']);
    expect(payload.origin).to.include({ name: 'Vibescope', sw_version: '0.1.0' });
    expect(payload.availability).to.deep.equal([{ topic: 'vibescope/status' }]);
    expect(Object.keys(payload.components)).to.deep.equal(ENTITIES.map((e) => e.key));
  });

  it('every component is one Home Assistant accepts: ids, classes, units, state classes', () => {
    const components = Object.entries<any>(devicePayload(ctx, 'anna').payload.components as any);
    const ids = components.map(([, c]) => c.unique_id).filter(Boolean);
    expect(new Set(ids).size).to.equal(ids.length);
    for (const [key, c] of components) {
      expect(c.platform, key).to.be.oneOf(['sensor', 'binary_sensor', 'image', 'event', 'button', 'device_automation']);
      if (c.platform === 'device_automation') {
        expect(c).to.include({ automation_type: 'trigger', type: 'skipped', subtype: 'track', topic: 'vibescope/anna/skip', payload: 'skip' });
        continue;
      }
      expect(c.unique_id, key).to.equal(`vibescope_anna_${key}`);
      expect(c.default_entity_id, key).to.equal(`${c.platform}.vibescope_anna_${key}`);
      expect(c.name, key).to.be.a('string').and.not.empty;
      for (const t of ['state_topic', 'json_attributes_topic', 'url_topic', 'command_topic']) if (c[t]) expect(c[t], `${key}.${t}`).to.match(/^vibescope\/anna\/[a-z0-9_/]+$/);
      if (c.platform === 'sensor') {
        if (c.device_class) {
          expect(DEVICE_CLASS_UNITS[c.device_class], `${key}: class ${c.device_class}`).to.include(c.unit_of_measurement);
          expect(DEVICE_CLASS_STATE_CLASSES[c.device_class], `${key}: state class`).to.include(c.state_class);
        }
        if (c.state_class) expect(c.state_class).to.be.oneOf(['measurement', 'total', 'total_increasing']);
        if (c.options) expect(c.device_class).to.equal('enum');
        if (c.entity_category) expect(c.entity_category).to.equal('diagnostic');
        const numeric = c.unit_of_measurement || c.state_class || c.suggested_display_precision !== undefined;
        const def = ENTITIES.find((e) => e.key === key)!;
        if (numeric) expect(['plays_today', 'listening_time_today', 'skips_today', 'skip_rate_7d', 'streak_days', 'stored_plays', 'current_energy', 'vibe_playlist']).to.include(key);
        void def;
      }
      if (c.platform === 'binary_sensor') expect(BINARY_CLASSES).to.include(c.device_class);
      if (c.platform === 'event') expect(c).to.include({ qos: 1 }) && expect(c.event_types).to.deep.equal(key === 'story' || key === 'playlist' ? ['ready'] : ['skip']);
      if (c.platform === 'image') {
        expect(c.url_topic).to.equal('vibescope/anna/album_art/url');
        // HA's image entity has no payload for "no picture": its own availability, and Vibescope's, both online (zigbee2mqtt's form).
        expect(c.availability).to.deep.equal([{ topic: 'vibescope/status' }, { topic: 'vibescope/anna/album_art/availability' }]);
        expect(c.availability_mode).to.equal('all');
      }
      if (c.platform === 'button') expect(c.command_topic).to.equal(key === 'generate_playlist' ? 'vibescope/anna/generate_playlist/set' : 'vibescope/anna/sync/set');
    }
    const counters = components.filter(([k]) => k.endsWith('_today'));
    for (const [, c] of counters) expect(c.state_class, 'today counters roll over at midnight: total_increasing').to.equal('total_increasing');
  });

  it('carries the instance id in device identifiers, discovery ids and unique_ids, but not in entity ids', () => {
    const withInstance = { ...ctx, instance: '0a1b2c3d' };
    const { topic, payload } = devicePayload(withInstance, 'anna') as any;
    expect(topic).to.equal('homeassistant/device/vibescope_0a1b2c3d_anna/config');
    expect(payload.device.identifiers).to.deep.equal(['vibescope_0a1b2c3d_anna']);
    expect(payload.components.plays_today).to.include({ unique_id: 'vibescope_0a1b2c3d_anna_plays_today',
      default_entity_id: 'sensor.vibescope_anna_plays_today', state_topic: 'vibescope/anna/plays_today' });
    const topics = entityPayloads(withInstance, 'anna').map((p) => p.topic);
    expect(topics).to.include('homeassistant/sensor/vibescope_0a1b2c3d_anna/plays_today/config');
    // The discovery id of a component ("<node> <object>") is the same in both modes, as HA's migration needs.
    const ids = topics.map((t) => t.split('/').slice(2, 4).join(' ')).sort();
    expect(ids).to.deep.equal(Object.keys(payload.components).map((k) => `vibescope_0a1b2c3d_anna ${k}`).sort());
  });

  it('per-entity mode gives each entity its own topic with the device block', () => {
    const list = entityPayloads(ctx, 'anna');
    expect(list).to.have.length(ENTITIES.length);
    for (const { topic, payload } of list) {
      expect(topic).to.match(/^homeassistant\/(sensor|binary_sensor|image|event|button|device_automation)\/vibescope_anna\/[a-z0-9_]+\/config$/);
      expect((payload as any).device.identifiers).to.deep.equal(['vibescope_anna']);
      expect(payload).to.not.have.property('platform');
      if (topic.includes('/image/')) expect((payload as any).availability).to.have.length(2);
      else if (!topic.includes('/device_automation/')) expect((payload as any).availability).to.deep.equal([{ topic: 'vibescope/status' }]);
    }
  });

  it('cuts titles safely to 255 characters (code points, whole emoji)', () => {
    const long = `${'🎵'.repeat(200)}👨‍👩‍👧‍👦${'x'.repeat(100)}`;
    const cut = cutState(long);
    expect([...cut].length).to.be.at.most(255);
    expect(cut.endsWith('…')).to.equal(true);
    expect(cut.includes('\uFFFD')).to.equal(false);
    expect(cutState('Ünïcödé ✨ title')).to.equal('Ünïcödé ✨ title');
  });
});

describe('mqtt: audio features on the now-playing entities', () => {
  it('derives Current energy (0..100) and tempo/key/energy attributes from the current track\'s features', () => {
    const np = { account: 'anna', active: true, is_playing: true, idle_reason: null, content: 'track' as const, track_uri: 'spotify:track:x',
      track_name: 'Song', artists: ['A'], album_name: null, album_art_url: null, duration_ms: 1, progress_ms: 0, device_name: null,
      device_type: null, context_uri: null, shuffle: null, repeat: null, started_at: null, observed_at: 0 };
    const view = { account: 'anna', now_playing: np, counters: null, sync: null, features: { energy: 0.734, tempo_bpm: 128.2, key: 'F#', mode: 'minor' } };
    const energy = ENTITIES.find((e) => e.key === 'current_energy')!;
    expect(energy.state!(view)).to.equal('73');
    expect(energy.state!({ ...view, features: null })).to.equal(null, 'unknown without an analysed file');
    const attrs = ENTITIES.find((e) => e.key === 'now_playing')!.attributes!(view)!;
    expect(attrs).to.include({ tempo_bpm: 128.2, key: 'F# minor', energy: 73 });
  });
});
