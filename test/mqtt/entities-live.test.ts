import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../../src/config/index.js';
import { startVibescope, type Vibescope } from '../../src/main.js';
import { openTokenStore } from '../../src/spotify/index.js';
import type { NowPlaying } from '../../src/types.js';
import { startFakeSpotify, playerState, trackObject, type FakeSpotify } from '../support/fake-spotify.js';
import { startMosquitto, haClient, type Mosquitto } from '../support/mosquitto.js';
import { memoryLogger, middayZone, tempDir, waitFor } from '../support/helpers.js';

const instanceOf = (dir: string): string => JSON.parse(readFileSync(path.join(dir, 'mqtt.json'), 'utf8')).instance_id;

function nowPlaying(patch: Partial<NowPlaying>): NowPlaying {
  return { account: 'default', active: true, is_playing: true, idle_reason: null, content: 'track', track_uri: 'spotify:track:x', track_name: 'Song',
    artists: ['A'], album_name: 'Album', album_art_url: 'https://i.scdn.co/image/ab67616d0000b273aaaa', duration_ms: 200_000, progress_ms: 1_000,
    device_name: 'Phone', device_type: 'Smartphone', context_uri: null, shuffle: null, repeat: null, started_at: Date.now(), observed_at: Date.now(), ...patch };
}

describe('mqtt: entities that can be "nothing", the Health entity and the sync status, over a real mosquitto', function () {
  this.timeout(60_000);
  let broker: Mosquitto;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let app: Vibescope | null = null;
  let fake: FakeSpotify | null = null;
  beforeEach(async () => { broker = await startMosquitto(); tmp = await tempDir(); });
  afterEach(async () => { await app?.stop(); app = null; await fake?.close(); fake = null; await broker.close(); await tmp.remove(); });

  it('the album art image only ever gets URLs: no art means unavailable, and the "None" an old version retained is cleared', async () => {
    // What versions before this one left at the broker: the image's url_topic held a retained "None".
    const old = await haClient(broker.url, []);
    await old.client.publishAsync('vibescope/default/album_art', 'None', { qos: 1, retain: true });
    await old.close();
    const ha = await haClient(broker.url, ['homeassistant/#', 'vibescope/#']);
    try {
      app = await startVibescope({ config: parseConfig({ metadata_enrichment: false, data_dir: tmp.dir, mqtt_url: broker.url }), addon: false, log: memoryLogger('warn').log,
        version: 't', port: 0, env: {} });
      const topic = `homeassistant/device/vibescope_${instanceOf(tmp.dir)}_default/config`;
      const config = JSON.parse(await waitFor(() => ha.value(topic), { what: 'discovery' }));
      const art = config.components.album_art;
      expect(art.url_topic).to.equal('vibescope/default/album_art/url');
      expect(art.availability).to.deep.equal([{ topic: 'vibescope/status' }, { topic: 'vibescope/default/album_art/availability' }]);
      expect(art.availability_mode).to.equal('all');
      await waitFor(() => ha.value('vibescope/default/album_art/availability') === 'offline', { what: 'unavailable while nothing plays' });

      app.bus.emit('nowplaying.changed', nowPlaying({}));
      await waitFor(() => ha.value('vibescope/default/album_art/availability') === 'online', { what: 'available with art' });
      expect(ha.value('vibescope/default/album_art/url')).to.equal('https://i.scdn.co/image/ab67616d0000b273aaaa');
      await new Promise((r) => setTimeout(r, 1_100)); // one publish per entity per second
      app.bus.emit('nowplaying.changed', nowPlaying({ album_art_url: null, track_name: 'Local file' }));
      await waitFor(() => ha.value('vibescope/default/album_art/availability') === 'offline', { what: 'a track without art' });
      await new Promise((r) => setTimeout(r, 1_100));
      app.bus.emit('nowplaying.changed', nowPlaying({ active: false, is_playing: false, idle_reason: 'nothing_playing', track_name: null }));
      // The old url topic is emptied once Home Assistant has had time to move to the new one (5 s).
      await waitFor(() => ha.value('vibescope/default/album_art') === '', { timeoutMs: 10_000, what: 'old url topic cleared' });
      expect(ha.value('vibescope/default/album_art/availability')).to.equal('offline');

      const urls = ha.log.filter((m) => m.topic === art.url_topic).map((m) => m.payload);
      expect(urls).to.deep.equal(['https://i.scdn.co/image/ab67616d0000b273aaaa'], 'the url topic only ever carried the one URL');
      // What HA sees at its next start: retained messages only.
      const late = await haClient(broker.url, ['vibescope/#']);
      try {
        await waitFor(() => late.value('vibescope/default/album_art/availability'), { what: 'retained availability' });
        expect(late.last.has('vibescope/default/album_art'), 'nothing retained at the old topic').to.equal(false);
        expect(late.value('vibescope/default/album_art/url')).to.match(/^https:\/\//);
        for (const [t, m] of late.last) expect(m.payload, t).to.not.equal('');
      } finally { await late.close(); }
    } finally { await ha.close(); }
  });

  it('every retained message is one Home Assistant accepts at its start (no error for any entity, idle or playing)', async () => {
    fake = await startFakeSpotify();
    const tokens = await openTokenStore(tmp.dir);
    const g = fake.grant();
    await tokens.updateAccount('default', { tokens: { access_token: g.access_token, refresh_token: g.refresh_token, expires_at: Date.now() + 3_600_000, scope: '' } });
    app = await startVibescope({ config: parseConfig({ metadata_enrichment: false, data_dir: tmp.dir, client_id: 'x', spotify_api_url: fake.apiUrl, spotify_accounts_url: fake.accountsUrl,
      mqtt_url: broker.url, timezone: middayZone(), history_poll_interval_s: 600, player_poll_interval_s: 120 }), addon: false, log: memoryLogger('warn').log, version: 't', port: 0, env: {} });
    const check = async (what: string) => {
      const ha = await haClient(broker.url, ['homeassistant/#', 'vibescope/#']); // like HA at its start: retained messages only
      try {
        const topic = `homeassistant/device/vibescope_${instanceOf(tmp.dir)}_default/config`;
        const config = JSON.parse(await waitFor(() => ha.value(topic), { what: 'discovery' }));
        const stateTopics = Object.values<any>(config.components).filter((c) => c.state_topic && c.platform !== 'event').map((c) => c.state_topic);
        await waitFor(() => stateTopics.every((t) => ha.last.has(t)), { what: () => `retained states: ${stateTopics.filter((t) => !ha.last.has(t)).join(', ')}` });
        for (const [key, c] of Object.entries<any>(config.components)) {
          const label = `${what}: ${key}`;
          for (const a of c.availability ?? []) expect(ha.value(a.topic), `${label} availability`).to.be.oneOf(['online', 'offline']);
          if (c.json_attributes_topic) expect(JSON.parse(ha.value(c.json_attributes_topic) ?? '{}'), label).to.be.an('object');
          if (c.platform === 'event') { expect(ha.last.has(c.state_topic), `${label}: events are never retained`).to.equal(false); continue; }
          if (c.platform === 'image') {
            const url = ha.value(c.url_topic);
            if (url !== undefined) expect(url, label).to.match(/^https?:\/\/\S+$/); // HA's image entity refuses anything else
            continue;
          }
          if (!c.state_topic) continue;
          const value = ha.value(c.state_topic);
          expect(value, `${label} has a retained state`).to.be.a('string');
          if (c.platform === 'binary_sensor') expect(value, label).to.be.oneOf(['ON', 'OFF']);
          else if (c.device_class === 'enum') expect(c.options, label).to.include(value);
          else if (c.device_class === 'timestamp') { if (value !== 'None') expect(new Date(value!).toISOString(), label).to.equal(value); }
          else if (c.unit_of_measurement || c.state_class) { if (value !== 'None') expect(Number.isFinite(Number(value)), `${label}: ${value}`).to.equal(true); }
          else expect([...value!].length, label).to.be.at.most(255);
        }
      } finally { await ha.close(); }
    };
    await check('idle');
    const now = Date.now();
    fake.state.recent = [{ track: trackObject(1, 200_000, 'First play'), played_at: new Date(now - 60_000).toISOString() }];
    fake.state.player = playerState(trackObject(2, 200_000, 'Playing now'), 40_000);
    await app.spotify.syncNow('default');
    await waitFor(() => app!.stats.counters('default', Date.now()).plays_today === 1, { what: 'a play' });
    await new Promise((r) => setTimeout(r, 1_200)); // the latest states are out (one publish per entity per second)
    await check('playing');
  });

  it('the Health entity shows degraded with each problem\'s sentence, and ok again when the problem is cleared', async () => {
    const ha = await haClient(broker.url, ['homeassistant/#', 'vibescope/default/health/#']);
    try {
      app = await startVibescope({ config: parseConfig({ metadata_enrichment: false, data_dir: tmp.dir, mqtt_url: broker.url }), addon: false, log: memoryLogger('warn').log,
        version: 't', port: 0, env: {} });
      const config = JSON.parse(await waitFor(() => ha.value(`homeassistant/device/vibescope_${instanceOf(tmp.dir)}_default/config`), { what: 'discovery' }));
      expect(config.components.health).to.include({ platform: 'sensor', device_class: 'enum', entity_category: 'diagnostic',
        state_topic: 'vibescope/default/health', json_attributes_topic: 'vibescope/default/health/attributes' });
      expect(config.components.health.options).to.deep.equal(['ok', 'degraded']);
      await waitFor(() => ha.value('vibescope/default/health') === 'ok', { what: 'ok' });
      const sentence = 'The disk holding Vibescope\'s data is full. Free some space; nothing was lost.';
      app.health.report('storage', { code: 'STORAGE_FULL', message: sentence });
      await waitFor(() => ha.value('vibescope/default/health') === 'degraded', { what: 'degraded' });
      const attributes = JSON.parse(await waitFor(() => {
        const a = ha.value('vibescope/default/health/attributes');
        return a && JSON.parse(a).problem_count === 1 ? a : null;
      }, { what: 'problem attributes' }));
      expect(attributes.messages).to.deep.equal([sentence]);
      expect(attributes.problems[0]).to.include({ id: 'storage', code: 'STORAGE_FULL', message: sentence });
      expect(new Date(attributes.problems[0].since).toISOString()).to.equal(attributes.problems[0].since);
      app.health.clear('storage');
      await waitFor(() => ha.value('vibescope/default/health') === 'ok', { timeoutMs: 5_000, what: 'ok again' });
      await waitFor(() => ha.value('vibescope/default/health/attributes') === JSON.stringify({ problem_count: 0, problems: [], messages: [] }),
        { what: 'no problems' });
    } finally { await ha.close(); }
  });

  it('the sync status follows what Spotify polling reports: error with the storage sentence while storage fails, ok after', async () => {
    fake = await startFakeSpotify();
    const tokens = await openTokenStore(tmp.dir);
    const g = fake.grant();
    await tokens.updateAccount('default', { tokens: { access_token: g.access_token, refresh_token: g.refresh_token, expires_at: Date.now() + 3_600_000, scope: '' } });
    const ha = await haClient(broker.url, ['vibescope/default/#']);
    try {
      app = await startVibescope({ config: parseConfig({ metadata_enrichment: false, data_dir: tmp.dir, client_id: 'x', spotify_api_url: fake.apiUrl, spotify_accounts_url: fake.accountsUrl,
        mqtt_url: broker.url, history_poll_interval_s: 600, player_poll_interval_s: 120 }), addon: false, log: memoryLogger('warn').log, version: 't', port: 0, env: {} });
      await waitFor(() => ha.value('vibescope/default/sync_status') === 'ok', { what: 'ok' });
      const sentence = 'Vibescope cannot write to its data folder (it is read-only). Make it writable; the plays wait at Spotify.';
      app.health.report('storage', { code: 'STORAGE_READ_ONLY', message: sentence });
      fake.state.player = playerState(trackObject(4, 200_000), 5_000);
      await app.spotify.syncNow('default');
      await waitFor(() => ha.value('vibescope/default/sync_status') === 'error', { what: 'error while storage fails' });
      await waitFor(() => JSON.parse(ha.value('vibescope/default/sync_status/attributes') ?? '{}').last_error === sentence, { what: 'the storage sentence' });
      expect(ha.value('vibescope/default/health')).to.equal('degraded');
      app.health.clear('storage');
      await new Promise((r) => setTimeout(r, 1_100));
      await app.spotify.syncNow('default');
      await waitFor(() => ha.value('vibescope/default/sync_status') === 'ok', { what: 'ok after storage works again' });
      expect(app.spotify.status('default')?.state).to.equal('ok');
    } finally { await ha.close(); }
  });

  it('shows the newest weekly story on its sensor and fires the story event when one is ready', async () => {
    const ha = await haClient(broker.url, ['vibescope/#']);
    try {
      app = await startVibescope({ config: parseConfig({ metadata_enrichment: false, data_dir: tmp.dir, mqtt_url: broker.url }), addon: false, log: memoryLogger('warn').log,
        version: 't', port: 0, env: {} });
      await waitFor(() => ha.value('vibescope/status') === 'online', { what: 'online' });
      const story = { id: 7, account: 'default', period: 'week' as const, start: '2026-11-23', end: '2026-11-29', title: 'A week of Ella',
        summary: 'You played Ella Fitzgerald most.', highlights: ['Ella Fitzgerald 12 plays'], persona: { name: 'The Crooner', description: 'Swing first.' },
        status: 'template' as const, source: 'template' as const, created_at: Date.now() };
      app.bus.emit('story.created', story);
      await waitFor(() => ha.value('vibescope/default/weekly_story') === 'A week of Ella', { what: 'the sensor state' });
      const event = await waitFor(() => ha.log.find((m) => m.topic === 'vibescope/default/story'), { what: 'the story event' });
      expect(JSON.parse(event.payload)).to.include({ event_type: 'ready', title: 'A week of Ella', period: 'week' });
      expect(event.retain).to.equal(false, 'events are never retained');
      // An older week's story fires its event but does not replace the sensor's newest one.
      app.bus.emit('story.created', { ...story, id: 6, start: '2026-11-16', end: '2026-11-22', title: 'An older week' });
      await waitFor(() => ha.log.filter((m) => m.topic === 'vibescope/default/story').length === 2, { what: 'second event' });
      expect(ha.value('vibescope/default/weekly_story')).to.equal('A week of Ella');
    } finally { await ha.close(); }
  });

});
