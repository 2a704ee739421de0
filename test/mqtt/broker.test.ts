import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../../src/config/index.js';
import { startVibescope, type Vibescope } from '../../src/main.js';
import { openTokenStore } from '../../src/spotify/index.js';
import { startFakeSpotify, playerState, trackObject, type FakeSpotify } from '../support/fake-spotify.js';
import { startMosquitto, haClient, type Mosquitto } from '../support/mosquitto.js';
import { memoryLogger, middayZone, tempDir, waitFor } from '../support/helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The instance id this data folder got at its first start (src/mqtt/identity.ts). */
const instanceOf = (dir: string): string => JSON.parse(readFileSync(path.join(dir, 'mqtt.json'), 'utf8')).instance_id;

async function connectAccount(dir: string, fake: FakeSpotify): Promise<void> {
  const tokens = await openTokenStore(dir);
  const g = fake.grant();
  await tokens.updateAccount('default', { tokens: { access_token: g.access_token, refresh_token: g.refresh_token, expires_at: Date.now() + 3_600_000, scope: '' } });
}

describe('mqtt: Home Assistant entities over a real mosquitto', function () {
  this.timeout(60_000);
  let broker: Mosquitto;
  let fake: FakeSpotify;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let app: Vibescope | null = null;
  let ha: Awaited<ReturnType<typeof haClient>>;
  let logLines: string[];
  let DEVICE_TOPIC: string;

  beforeEach(async () => {
    broker = await startMosquitto();
    fake = await startFakeSpotify();
    tmp = await tempDir();
    await connectAccount(tmp.dir, fake);
    ha = await haClient(broker.url);
    const { log, lines } = memoryLogger('info');
    logLines = lines;
    app = await startVibescope({ config: parseConfig({ data_dir: tmp.dir, metadata_enrichment: false, client_id: 'x', spotify_api_url: fake.apiUrl, spotify_accounts_url: fake.accountsUrl,
      mqtt_url: broker.url, timezone: middayZone(), history_poll_interval_s: 600, player_poll_interval_s: 120 }), addon: false, log, version: '0.1.0-test', port: 0 });
    DEVICE_TOPIC = `homeassistant/device/vibescope_${instanceOf(tmp.dir)}_default/config`;
  });
  afterEach(async () => { await app?.stop(); app = null; await ha.close(); await fake.close(); await broker.close(); await tmp.remove(); });

  it('publishes retained discovery, availability and states, then follows plays, skips and now playing', async () => {
    const config = await waitFor(() => ha.last.get(DEVICE_TOPIC), { what: 'device discovery' });
    const payload = JSON.parse(config.payload);
    const instance = instanceOf(tmp.dir);
    expect(instance).to.match(/^[0-9a-f]{8}$/);
    expect(payload.components.plays_today.unique_id).to.equal(`vibescope_${instance}_default_plays_today`);
    expect(payload.components.plays_today.default_entity_id).to.equal('sensor.vibescope_default_plays_today', 'entity ids stay short');
    expect(payload.device.identifiers).to.deep.equal([`vibescope_${instance}_default`]);
    await waitFor(() => ha.value('vibescope/status') === 'online', { what: 'online' });
    await waitFor(() => ha.value('vibescope/default/plays_today') === '0', { what: 'plays_today 0' });

    // A play (recently-played) and a skip (the player watcher) driven through the fake Spotify.
    const now = Date.now();
    fake.state.recent = [{ track: trackObject(1, 200_000, 'First 🎧 play'), played_at: new Date(now - 60_000).toISOString() }];
    fake.state.player = playerState(trackObject(2, 200_000, 'Skipped track'), 3_000);
    await app!.spotify.syncNow('default');
    const long = `Next ${'ä'.repeat(300)}`;
    fake.state.player = playerState({ ...trackObject(3, 180_000, long) }, 1_000);
    await app!.spotify.syncNow('default');

    await waitFor(() => ha.value('vibescope/default/plays_today') === '1', { what: 'plays_today 1' });
    await waitFor(() => ha.value('vibescope/default/skips_today') === '1', { what: 'skips_today 1' });
    const skip = await waitFor(() => ha.log.find((m) => m.topic === 'vibescope/default/skip'), { what: 'skip event' });
    expect(skip.retain).to.equal(false);
    const event = JSON.parse(skip.payload);
    expect(event).to.include({ event_type: 'skip', track: 'Skipped track' });
    expect(event.listened_s).to.be.a('number').and.below(30);
    expect(event, 'position_s was a copy of listened_s: removed').to.not.have.property('position_s');
    expect(Object.keys(event).sort()).to.deep.equal(['artists', 'duration_s', 'ended_at', 'event_type', 'listened_s', 'track', 'track_uri']);
    expect(new Date(event.ended_at).toISOString()).to.equal(event.ended_at);
    await waitFor(() => ha.value('vibescope/default/now_playing')?.startsWith('Next'), { what: 'now playing' });
    const title = ha.value('vibescope/default/now_playing')!;
    expect([...title].length).to.be.at.most(255);
    // The attributes follow within a second (one publish per entity per second): the full title goes there.
    await waitFor(() => JSON.parse(ha.value('vibescope/default/now_playing/attributes') ?? '{}').title === long, { what: 'full title in attributes' });
    expect(ha.value('vibescope/default/playing')).to.equal('ON');
    expect(ha.value('vibescope/default/album_art/url')).to.match(/^https:\/\//);
    expect(ha.value('vibescope/default/album_art/availability')).to.equal('online');
    // A client that subscribes now (like HA after its restart) gets configs and states from the broker's retained store.
    const late = await haClient(broker.url, ['homeassistant/#', 'vibescope/#']);
    try {
      await waitFor(() => late.last.get(DEVICE_TOPIC) && late.last.get('vibescope/default/plays_today'), { what: 'retained' });
      expect(late.last.get(DEVICE_TOPIC)!.retain).to.equal(true);
      expect(late.last.get('vibescope/default/plays_today')).to.deep.include({ payload: '1', retain: true });
      expect(late.last.get('vibescope/status')).to.deep.include({ payload: 'online', retain: true });
      expect(late.last.has('vibescope/default/skip'), 'events are never retained').to.equal(false);
    } finally { await late.close(); }
    await waitFor(() => ha.value('vibescope/default/last_play') === new Date(now - 60_000).toISOString(), { what: 'last_play' });
    expect(ha.value('vibescope/default/stored_plays')).to.equal('1');
    expect(ha.value('vibescope/default/sync_status')).to.equal('ok');
    expect(ha.value('vibescope/default/needs_reconnect')).to.equal('OFF');
  });

  it('re-publishes every config and state when Home Assistant announces itself online', async () => {
    await waitFor(() => ha.last.get(DEVICE_TOPIC) && ha.value('vibescope/default/plays_today'), { what: 'first publish' });
    const before = ha.log.filter((m) => m.topic === DEVICE_TOPIC).length;
    const statesBefore = ha.log.filter((m) => m.topic === 'vibescope/default/plays_today').length;
    await ha.client.publishAsync('homeassistant/status', 'online');
    await waitFor(() => ha.log.filter((m) => m.topic === DEVICE_TOPIC).length > before, { what: 'config again' });
    await waitFor(() => ha.log.filter((m) => m.topic === 'vibescope/default/plays_today').length > statesBefore, { what: 'states again' });
  });

  it('"Sync now" polls Spotify at once', async () => {
    await waitFor(() => ha.value('vibescope/status') === 'online', { what: 'online' });
    await new Promise((r) => setTimeout(r, 300));
    const polls = fake.count('/v1/me/player/recently-played');
    await ha.client.publishAsync('vibescope/default/sync/set', 'PRESS');
    await waitFor(() => fake.count('/v1/me/player/recently-played') > polls, { what: 'a poll after the press' });
  });

  it('keeps recording through a broker outage and publishes everything again after it', async () => {
    await waitFor(() => ha.value('vibescope/default/plays_today') === '0', { what: 'first publish' });
    await broker.stop();
    fake.state.recent = [{ track: trackObject(7, 200_000), played_at: new Date(Date.now() - 30_000).toISOString() }];
    const status = await app!.spotify.syncNow('default');
    expect(status.state).to.equal('ok');
    expect(app!.stats.counters('default', Date.now()).plays_today).to.equal(1, 'recorded while the broker was down');
    expect(app!.mqtt.status().connected).to.equal(false);
    await broker.start(); // no persistence: the broker forgot every retained message
    ha.last.clear();
    await waitFor(() => ha.last.get(DEVICE_TOPIC), { timeoutMs: 15_000, what: 'discovery after the restart' });
    await waitFor(() => ha.value('vibescope/default/plays_today') === '1', { what: 'states after the restart' });
    expect(logLines.join('\n')).to.include('mqtt: disconnected, reconnecting');
  });
});

describe('mqtt: throttling and removed accounts', function () {
  this.timeout(60_000);
  let broker: Mosquitto;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => { broker = await startMosquitto(); tmp = await tempDir(); });
  afterEach(async () => { await broker.close(); await tmp.remove(); });
  const start = (accounts: string[]) => startVibescope({ config: parseConfig({ data_dir: tmp.dir, metadata_enrichment: false, mqtt_url: broker.url,
    accounts: accounts.map((name) => ({ name })) }), addon: false, log: memoryLogger('warn').log, version: 't', port: 0 });

  it('publishes an entity at most once per second, the latest value winning', async () => {
    const app = await start(['anna']);
    const ha = await haClient(broker.url, ['vibescope/anna/now_playing']);
    try {
      await waitFor(() => ha.value('vibescope/anna/now_playing') === 'idle', { what: 'idle' });
      await new Promise((r) => setTimeout(r, 1100));
      const before = ha.log.length;
      const base = { account: 'anna', active: true, is_playing: true, idle_reason: null, content: 'track' as const, track_uri: null, artists: [],
        album_name: null, album_art_url: null, duration_ms: 1000, progress_ms: 0, device_name: null, device_type: null, context_uri: null,
        shuffle: null, repeat: null, started_at: null, observed_at: Date.now() };
      for (let i = 1; i <= 5; i++) app.bus.emit('nowplaying.changed', { ...base, track_name: `Track ${i}` });
      await new Promise((r) => setTimeout(r, 600));
      expect(ha.log.length - before).to.equal(1, 'one publish in the first second');
      await waitFor(() => ha.value('vibescope/anna/now_playing') === 'Track 5', { what: 'latest value' });
      expect(ha.log.length - before).to.equal(2);
    } finally { await ha.close(); await app.stop(); }
  });

  it('clears the entities of an account that was removed from the options (empty retained config)', async () => {
    let app = await start(['anna', 'ben']);
    const ha = await haClient(broker.url, ['homeassistant/device/+/config']);
    try {
      const id = instanceOf(tmp.dir);
      await waitFor(() => ha.value(`homeassistant/device/vibescope_${id}_ben/config`), { what: 'ben discovered' });
      await app.stop();
      app = await start(['anna']);
      await waitFor(() => ha.value(`homeassistant/device/vibescope_${id}_ben/config`) === '', { what: 'ben cleared' });
      expect(ha.value(`homeassistant/device/vibescope_${id}_anna/config`)).to.include(`vibescope_${id}_anna_plays_today`);
    } finally { await ha.close(); await app.stop(); }
  });
});

describe('mqtt: availability when the process dies or stops', function () {
  this.timeout(60_000);
  let broker: Mosquitto;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => { broker = await startMosquitto(); tmp = await tempDir(); });
  after(async () => { await broker.close(); await tmp.remove(); });

  function serve(port: number) {
    return spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'cli.ts'), 'serve'], { cwd: ROOT, stdio: 'ignore',
      env: { ...process.env, VIBESCOPE_DATA_DIR: tmp.dir, VIBESCOPE_PORT: String(port), VIBESCOPE_MQTT_URL: broker.url,
        VIBESCOPE_OPTIONS_FILE: path.join(tmp.dir, 'none.json'), VIBESCOPE_LOG_LEVEL: 'warning' } });
  }

  it('the broker publishes the LWT "offline" when the process is killed; a clean stop publishes it itself', async () => {
    const ha = await haClient(broker.url, ['vibescope/status']);
    try {
      let child = serve(20000 + Math.floor(Math.random() * 10000));
      await waitFor(() => ha.value('vibescope/status') === 'online', { timeoutMs: 20_000, what: 'online' });
      child.kill('SIGKILL');
      await waitFor(() => ha.value('vibescope/status') === 'offline', { what: 'LWT offline' });
      child = serve(20000 + Math.floor(Math.random() * 10000));
      await waitFor(() => ha.value('vibescope/status') === 'online', { timeoutMs: 20_000, what: 'online again' });
      child.kill('SIGTERM');
      const code = await new Promise((r) => child.once('exit', r));
      expect(code).to.equal(0);
      expect(ha.value('vibescope/status')).to.equal('offline');
    } finally { await ha.close(); }
  });
});

describe('mqtt: off when nothing is configured', () => {
  it('logs one info line and health says so', async () => {
    const tmp = await tempDir();
    const { log, lines } = memoryLogger('info');
    const app = await startVibescope({ config: parseConfig({ data_dir: tmp.dir, metadata_enrichment: false }), addon: false, log, version: 't', port: 0, env: {} });
    try {
      const health = await (await fetch(`http://127.0.0.1:${app.port}/api/v1/health`)).json() as any;
      expect(health.mqtt).to.include({ enabled: false, connected: false });
      expect(lines.filter((l) => l.includes('Home Assistant entities are off'))).to.have.length(1);
    } finally { await app.stop(); await tmp.remove(); }
  });
});

describe('mqtt: the add-on takes the broker from the Supervisor', function () {
  this.timeout(30_000);
  it('asks http://supervisor/services/mqtt with SUPERVISOR_TOKEN and connects to what it offers', async () => {
    const broker = await startMosquitto();
    const tmp = await tempDir();
    const express = (await import('express')).default;
    const seen: string[] = [];
    const supervisor = express().get('/services/mqtt', (req, res) => {
      seen.push(String(req.headers.authorization));
      res.json({ result: 'ok', data: { host: '127.0.0.1', port: broker.port, ssl: false, username: 'addons', password: 'secret-pw' } });
    }).listen(0, '127.0.0.1');
    await new Promise((r) => supervisor.once('listening', r));
    const url = `http://127.0.0.1:${(supervisor.address() as { port: number }).port}`;
    const ha = await haClient(broker.url, ['vibescope/status']);
    const { log, lines } = memoryLogger('info');
    const app = await startVibescope({ config: parseConfig({ data_dir: tmp.dir, metadata_enrichment: false }), addon: true, log, version: 't', port: 0,
      env: { SUPERVISOR_TOKEN: 'sup-token', VIBESCOPE_SUPERVISOR_URL: url } });
    try {
      await waitFor(() => ha.value('vibescope/status') === 'online', { what: 'online via the Supervisor broker' });
      expect(seen).to.deep.equal(['Bearer sup-token']);
      expect(app.mqtt.status()).to.include({ enabled: true, connected: true });
      expect(lines.join('\n')).to.not.include('secret-pw');
    } finally {
      await app.stop(); await ha.close(); supervisor.close(); await broker.close(); await tmp.remove();
    }
  });
});
