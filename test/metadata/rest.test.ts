import { expect } from 'chai';
import path from 'node:path';
import { parseConfig } from '../../src/config/index.js';
import { startVibescope, type Vibescope } from '../../src/main.js';
import { quietLogger, tempDir, waitFor } from '../support/helpers.js';
import { EXTENDED_DIR } from '../support/fixtures.js';
import { buildWorld } from '../support/metabrainz-world.js';
import { startFakeListenBrainz, startFakeMusicBrainz, type FakeListenBrainz, type FakeMusicBrainz } from '../support/fake-metabrainz.js';
import { historyRows, worldTracks } from '../support/metadata.js';

describe('metadata: REST /api/v1 (the server as main.ts builds it, pointed at the fakes)', function () {
  this.timeout(60_000);
  let app: Vibescope;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let lb: FakeListenBrainz;
  let mb: FakeMusicBrainz;
  let base: string;
  const file = path.join(EXTENDED_DIR, 'mica92_Streaming_History_Audio_2024_4.json');

  before(async () => {
    const world = buildWorld(worldTracks(historyRows(['mica92_Streaming_History_Audio_2024_4.json'])));
    lb = await startFakeListenBrainz(world);
    mb = await startFakeMusicBrainz(world);
    tmp = await tempDir();
    app = await startVibescope({ config: parseConfig({ data_dir: tmp.dir, timezone: 'Europe/Berlin', accounts: [{ name: 'default' }, { name: 'second' }],
      listenbrainz_token: 'lb-test-token', listenbrainz_api_url: lb.url, musicbrainz_api_url: mb.url }), addon: false, log: quietLogger(), version: 'test', port: 0 });
    base = `http://127.0.0.1:${app.port}/api/v1`;
    await app.importer.importPaths([file], { account: 'default' });
    await waitFor(() => app.metadata.status().waiting.recordings === 0 && app.metadata.status().tracks.resolved > 0 && app.metadata.status().waiting.name_lookups === 0,
      { timeoutMs: 30_000, what: 'names looked up and recordings fetched' });
  });
  after(async () => { await app?.stop(); await lb?.close(); await mb?.close(); await tmp?.remove(); });

  const get = async (p: string) => { const res = await fetch(`${base}${p}`); return { status: res.status, body: await res.json() as any }; };

  it('answers top genres, the genre timeline, countries, eras and obscurity after an import', async () => {
    const top = await get('/stats/top/genres?limit=5');
    expect(top.status).to.equal(200);
    expect(top.body.items).to.have.length(5);
    expect(top.body.items[0]).to.have.keys(['genre', 'genre_mbid', 'plays', 'ms_played', 'rank', 'previous_rank']);
    const range = await get('/stats/top/genres?from=2024-11-01&to=2024-11-30&limit=50');
    expect(range.body.items.some((g: any) => g.previous_rank !== null), 'a range has a previous period').to.equal(true);
    const timeline = await get('/stats/genres/timeline?bucket=week&top=3');
    expect(timeline.status).to.equal(200);
    expect(timeline.body.genres).to.have.length(3);
    expect(timeline.body.buckets.length).to.be.greaterThan(1);
    expect((await get('/stats/countries')).body.items.length).to.be.greaterThan(0);
    const eras = await get('/stats/eras');
    expect(eras.body.mean_year).to.be.a('number');
    const obscurity = await get('/stats/obscurity?limit=3');
    expect(obscurity.body.popularity_available).to.equal(true);
    expect(obscurity.body.most_obscure.length).to.be.at.most(3);
  });

  it('refuses bad parameters with 400 and a sentence naming the parameter', async () => {
    for (const q of ['/stats/top/genres?by=length', '/stats/top/genres?limit=0', '/stats/genres/timeline?bucket=day', '/stats/countries?from=2024-02-30',
      '/stats/eras?from=2025-01-01&to=2024-01-01', '/stats/obscurity?limit=abc', '/stats/top/genres?account=nobody']) {
      const res = await get(q);
      expect(res.status, q).to.equal(400);
      expect(res.body.error.code, q).to.equal('BAD_PARAM');
    }
  });

  it('a configured account without data answers empty lists (200), never 404', async () => {
    const res = await get('/stats/top/genres?account=second');
    expect(res.status).to.equal(200);
    expect(res.body.items).to.deep.equal([]);
    expect((await get('/stats/countries?account=second')).body.items).to.deep.equal([]);
    expect((await get('/stats/eras?account=second')).body.mean_year).to.equal(null);
  });

  it('a track\'s metadata and an artist\'s genres, for the track and artist pages; 404 for ids that do not exist', async () => {
    const row = app.store.sql.get<{ track_id: number; artist_id: number }>(`SELECT g.track_id AS track_id, t.artist_id AS artist_id FROM mb_track_genres g
      JOIN tracks t ON t.id = g.track_id LIMIT 1`)!;
    const t = await get(`/tracks/${row.track_id}/metadata`);
    expect(t.status).to.equal(200);
    expect(t.body).to.include({ track_id: row.track_id, state: 'resolved' });
    expect(t.body.recording_mbid).to.match(/^[0-9a-f-]{36}$/);
    expect(t.body.genres.length).to.be.greaterThan(0);
    expect(t.body.genres.reduce((s: number, g: any) => s + g.weight, 0)).to.be.closeTo(1, 1e-9);
    const a = await get(`/artists/${row.artist_id}/genres`);
    expect(a.status).to.equal(200);
    expect(a.body.genres.map((g: any) => g.genre)).to.include(t.body.genres[0].genre);
    expect((await get('/tracks/999999/metadata')).status).to.equal(404);
    expect((await get('/artists/abc/genres')).status).to.equal(404);
  });

  it('/enrichment gives counts per state, the queue, waits and a sentence; /health summarises it', async () => {
    const e = await get('/enrichment');
    expect(e.status).to.equal(200);
    expect(e.body.tracks).to.have.keys(['pending', 'resolved', 'not_found', 'failed', 'total']);
    expect(e.body.services.listenbrainz).to.include.keys(['requests', 'rate_limited', 'rate_limit_wait_ms']);
    expect(e.body.message).to.be.a('string').and.not.match(/undefined|null|\/ws\//);
    const h = await get('/health');
    expect(h.body.enrichment).to.include({ enabled: true, token: 'ok' });
    expect(h.body.enrichment.tracks.total).to.equal(e.body.tracks.total);
  });
});
