import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseConfig } from '../../src/config/index.js';
import { startVibescope, type Vibescope } from '../../src/main.js';
import { openTokenStore, PLAYLIST_SCOPES, SCOPES } from '../../src/spotify/index.js';
import { startFakeSpotify, type FakeSpotify } from '../support/fake-spotify.js';
import { startMosquitto, haClient, type Mosquitto } from '../support/mosquitto.js';
import { EXTENDED_DIR } from '../support/fixtures.js';
import { quietLogger, tempDir, waitFor } from '../support/helpers.js';
import { catalogFromRows, historyRows } from './harness.js';

/** The device topic carries the install's instance id (mqtt.json), so two installs on one broker never collide. */
const deviceTopic = (dir: string): string =>
  `homeassistant/device/vibescope_${JSON.parse(readFileSync(path.join(dir, 'mqtt.json'), 'utf8')).instance_id}_default/config`;

describe('playlists in the server: Home Assistant button, event and sensor; REST /api/v1/playlists', function () {
  this.timeout(90_000);
  let broker: Mosquitto;
  let fake: FakeSpotify;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let app: Vibescope;
  let ha: Awaited<ReturnType<typeof haClient>>;
  let base: string;
  const post = (p: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${p}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const get = async (p: string) => { const res = await fetch(`${base}${p}`); return { status: res.status, headers: res.headers, text: await res.text() }; };
  const json = async (p: string) => JSON.parse((await get(p)).text);

  before(async () => {
    broker = await startMosquitto();
    fake = await startFakeSpotify();
    fake.playlists.catalog.push(...catalogFromRows([...historyRows('efrrowini_Streaming_History_Audio_2024.json'), ...historyRows('efrrowini_Streaming_History_Audio_2026.json')]));
    tmp = await tempDir();
    const tokens = await openTokenStore(tmp.dir);
    const g = fake.grant();
    await tokens.updateAccount('default', { tokens: { access_token: g.access_token, refresh_token: g.refresh_token, expires_at: Date.now() + 3_600_000,
      scope: [...SCOPES, ...PLAYLIST_SCOPES].join(' ') } });
    ha = await haClient(broker.url);
    app = await startVibescope({ config: parseConfig({ data_dir: tmp.dir, client_id: 'x', spotify_api_url: fake.apiUrl, spotify_accounts_url: fake.accountsUrl,
      mqtt_url: broker.url, timezone: 'UTC', history_poll_interval_s: 600, player_poll_interval_s: 120, vibe_playlists: true, vibe_m3u_dir: path.join(tmp.dir, 'm3u') }),
    addon: false, log: quietLogger(), version: '0.1.0-test', port: 0 });
    base = `http://127.0.0.1:${app.port}/api/v1`;
    await app.importer.importPaths([path.join(EXTENDED_DIR, 'efrrowini_Streaming_History_Audio_2024.json')], { account: 'default' });
  });
  after(async () => { await app?.stop(); await ha?.close(); await fake?.close(); await broker?.close(); await tmp?.remove(); });

  it('discovers the button, the event and the sensor; the button makes a playlist and "ready" fires with its url, name, tracks and new', async () => {
    const config = JSON.parse((await waitFor(() => ha.last.get(deviceTopic(tmp.dir)), { what: 'device discovery' })).payload);
    expect(config.components.generate_playlist).to.include({ platform: 'button', command_topic: 'vibescope/default/generate_playlist/set',
      default_entity_id: 'button.vibescope_default_generate_playlist', payload_press: 'PRESS' });
    expect(config.components.playlist).to.include({ platform: 'event', state_topic: 'vibescope/default/playlist', default_entity_id: 'event.vibescope_default_playlist' });
    expect(config.components.playlist.event_types).to.deep.equal(['ready']);
    expect(config.components.vibe_playlist).to.include({ platform: 'sensor', state_topic: 'vibescope/default/vibe_playlist', unit_of_measurement: 'tracks',
      default_entity_id: 'sensor.vibescope_default_vibe_playlist' });
    await waitFor(() => ha.value('vibescope/default/vibe_playlist') === 'None', { what: 'no playlist yet' });

    await ha.client.publishAsync('vibescope/default/generate_playlist/set', 'PRESS');
    const ready = JSON.parse((await waitFor(() => ha.log.find((m) => m.topic === 'vibescope/default/playlist'), { timeoutMs: 60_000, what: 'ready event' })).payload);
    const run = (await json('/playlists/runs?account=default&limit=1')).runs[0];
    expect(run).to.include({ trigger: 'mqtt', status: 'success', dry_run: false });
    expect(ready).to.include({ event_type: 'ready', kind: 'vibe', url: run.spotify_url, name: run.name, tracks: 30, new: run.totals.new });
    expect(ha.log.find((m) => m.topic === 'vibescope/default/playlist')!.retain).to.equal(false);
    await waitFor(() => ha.value('vibescope/default/vibe_playlist') === '30', { what: 'sensor 30' });
    const attributes = JSON.parse(ha.value('vibescope/default/vibe_playlist/attributes')!);
    expect(attributes).to.include({ url: run.spotify_url, name: run.name, hit_rate: null });
    expect(attributes.generated_at).to.equal(new Date(run.ended_at).toISOString());
    expect([...fake.playlists.playlists.values()][0]!.items).to.have.length(30);
  });

  it('POST /playlists/runs answers 202 with the running run; one at a time (409); a dry run writes nothing', async () => {
    const writes = fake.playlists.writes.length;
    // The liked songs are cached for 6 h: forget that they were fetched so this run asks again, and hold that answer.
    await app.store.exclusive(() => app.store.transaction(() => app.store.sql.exec('DELETE FROM liked_sync')));
    fake.fault('/v1/me/tracks', { delayMs: 1_000 });
    const res = await post('/playlists/runs', { account: 'default', dry_run: true });
    expect(res.status).to.equal(202);
    const started = await res.json() as any;
    expect(started).to.include({ status: 'running', dry_run: true, kind: 'vibe', account: 'default', trigger: 'api' });
    const busy = await post('/playlists/runs', { account: 'default', dry_run: true });
    expect(busy.status).to.equal(409);
    expect((await busy.json() as any).error).to.deep.equal({ code: 'CONFLICT', message: `A playlist run of the account default is already going (run ${started.id}); wait for it to finish.` });
    const done = await waitFor(async () => { const r = await json(`/playlists/runs/${started.id}`); return r.status !== 'running' ? r : null; }, { what: 'dry run' });
    expect(done.status).to.equal('success');
    expect(done.tracks[0]).to.have.all.keys('position', 'uri', 'name', 'artist_name', 'album_name', 'image_url', 'duration_ms', 'isrc', 'name_key', 'source',
      'score', 'why', 'is_new', 'energy', 'track_id', 'art_url');
    // The panel's links: the store's track when it knows the URI, and art through Vibescope only.
    for (const t of done.tracks) {
      const known = app.store.sql.get<{ id: number }>('SELECT id FROM tracks WHERE uri = ?', [t.uri])?.id ?? null;
      expect(t.track_id, t.name).to.equal(known);
      if (t.art_url !== null) expect(t.art_url, t.name).to.match(/^api\/v1\/(art\/track\/\d+|playlists\/runs\/\d+\/tracks\/\d+\/art)$/);
    }
    expect(done.feedback).to.deep.equal({ hit_rate: null, skip_rate: null, final: true });
    expect(fake.playlists.writes.length).to.equal(writes);
  });

  it('lists runs newest first with feedback, filters by kind, and answers bad input with 400/404 sentences, never 500', async () => {
    const list = await json('/playlists/runs?account=default');
    expect(list.runs.map((r: any) => r.dry_run)).to.deep.equal([true, false]);
    expect(list.runs[1].feedback).to.deep.equal({ hit_rate: 0, skip_rate: null, final: false });
    expect(list.runs[0]).to.not.have.property('tracks');
    expect((await json('/playlists/runs?kind=mixtape')).runs).to.deep.equal([]);
    const cases: [string, number, string][] = [
      ['/playlists/runs?account=nobody', 400, 'BAD_PARAM'], ['/playlists/runs?kind=jazz', 400, 'BAD_PARAM'], ['/playlists/runs/abc', 400, 'BAD_PARAM'],
      ['/playlists/runs/9999', 404, 'NOT_FOUND'], ['/playlists/status?account=nobody', 400, 'BAD_PARAM'],
    ];
    for (const [p, status, code] of cases) {
      const res = await get(p);
      expect(res.status, p).to.equal(status);
      expect(JSON.parse(res.text).error.code, p).to.equal(code);
    }
    for (const body of [{ kind: 'jazz' }, { dry_run: 'yes' }, { account: 'nobody' }]) {
      const res = await post('/playlists/runs', body);
      expect(res.status, JSON.stringify(body)).to.equal(400);
    }
    const crossSite = await post('/playlists/runs', { dry_run: true }, { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' });
    expect(crossSite.status).to.equal(403);
    const status = await json('/playlists/status?account=default');
    expect(status).to.include({ enabled: true, can_write: true, scope_missing: false, running_run_id: null, time: '05:30', mode: 'replace', size: 30 });
    expect(status.next_run_at).to.be.above(Date.now());
    expect(status.latest.vibe.dry_run).to.equal(true);
  });

  it('downloads the M3U8 of a run\'s local files (404 with a sentence while there are none)', async () => {
    const run = (await json('/playlists/runs?account=default&limit=5')).runs.find((r: any) => !r.dry_run);
    const none = await get(`/playlists/runs/${run.id}/m3u`);
    expect(none.status).to.equal(404);
    expect(JSON.parse(none.text).error.message).to.match(/none of them is in your music library/);
    const full = await json(`/playlists/runs/${run.id}`);
    const local = full.tracks.filter((t: any) => !t.is_new).slice(0, 3);
    const { store } = app;
    await store.exclusive(() => store.transaction(() => {
      for (const t of local) {
        const trackId = store.sql.get<{ id: number }>('SELECT id FROM tracks WHERE uri = ?', [t.uri])!.id;
        const file = path.join(tmp.dir, `${trackId}.mp3`);
        writeFileSync(file, 'x');
        store.library.seen(file, 1, 1);
        const id = store.sql.get<{ id: number }>('SELECT id FROM library_files WHERE path = ?', [file])!.id;
        store.library.saveTags(id, { artist: t.artist_name, title: t.name, album: null, isrc: null }, 201_000, trackId);
      }
    }));
    const m3u = await get(`/playlists/runs/${run.id}/m3u`);
    expect(m3u.status).to.equal(200);
    expect(m3u.headers.get('content-type')).to.equal('audio/x-mpegurl; charset=utf-8');
    expect(m3u.headers.get('content-disposition')).to.equal('attachment; filename=vibescope-default-vibe.m3u8');
    expect(m3u.text).to.equal(['#EXTM3U', `#PLAYLIST:${run.name}`, ...local.flatMap((t: any) => {
      const trackId = store.sql.get<{ id: number }>('SELECT id FROM tracks WHERE uri = ?', [t.uri])!.id;
      return [`#EXTINF:201,${t.artist_name} - ${t.name}`, path.join(tmp.dir, `${trackId}.mp3`)];
    })].join('\n') + '\n');
  });
});
