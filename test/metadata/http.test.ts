import { expect } from 'chai';
import { buildWorld } from '../support/metabrainz-world.js';
import { startFakeListenBrainz, startFakeMusicBrainz } from '../support/fake-metabrainz.js';
import { freePort, quietLogger } from '../support/helpers.js';
import { createServiceClient } from '../../src/metadata/http.js';
import { createMusicBrainz } from '../../src/metadata/musicbrainz.js';
import { createListenBrainz } from '../../src/metadata/listenbrainz.js';
import { MetadataError } from '../../src/errors.js';
import { SUPPORT_URL, MUSICBRAINZ_INTERVAL_MS } from '../../src/metadata/index.js';

const world = buildWorld([{ artist: 'Portishead', title: 'Roads', album: 'Dummy', isrc: 'GBAAN9400010' }], { unknownEvery: 1000 });
const UA = `Vibescope/0.1.0 ( ${SUPPORT_URL} )`;
const mbClient = (url: string, extra: Partial<Parameters<typeof createServiceClient>[0]> = {}) => createServiceClient({ service: 'MusicBrainz', baseUrl: url,
  userAgent: UA, timeoutMs: 1000, minIntervalMs: MUSICBRAINZ_INTERVAL_MS, rateLimitStatuses: [503, 429], backoffBaseMs: 20, log: quietLogger(), ...extra });

describe('metadata: the HTTP client and its manners', function () {
  this.timeout(30_000);

  it('asks MusicBrainz at most once per second (the real interval) and the fake, which enforces it, never answers 503', async () => {
    const mb = await startFakeMusicBrainz(world, { intervalMs: 1000 });
    try {
      const api = createMusicBrainz(mbClient(mb.url));
      for (let i = 0; i < 3; i++) expect(await api.isrc('GBAAN9400010')).to.have.length(1);
      expect(mb.requests.map((r) => r.status)).to.deep.equal([200, 200, 200]);
      expect(mb.requests[1]!.at - mb.requests[0]!.at).to.be.at.least(990);
      expect(mb.requests[2]!.at - mb.requests[1]!.at).to.be.at.least(990);
    } finally { await mb.close(); }
  });

  it('names Vibescope, its version and support URL in the User-Agent; without one MusicBrainz refuses', async () => {
    const mb = await startFakeMusicBrainz(world, { intervalMs: 0 });
    try {
      expect(await createMusicBrainz(mbClient(mb.url, { minIntervalMs: 0 })).isrc('GBAAN9400010')).to.have.length(1);
      const bad = createMusicBrainz(mbClient(mb.url, { minIntervalMs: 0, userAgent: 'axios' }));
      const err = await bad.isrc('GBAAN9400010').catch((e: unknown) => e);
      expect(err).to.be.instanceOf(MetadataError);
      expect((err as MetadataError).code).to.equal('METADATA_AUTH');
    } finally { await mb.close(); }
  });

  it('waits and asks again after MusicBrainz\'s 503, counting the wait', async () => {
    const mb = await startFakeMusicBrainz(world, { intervalMs: 0 });
    try {
      mb.fault('/ws/2/isrc', { status: 503 }, 2);
      const client = mbClient(mb.url, { minIntervalMs: 0 });
      expect(await createMusicBrainz(client).isrc('GBAAN9400010')).to.have.length(1);
      expect(client.counters().rate_limited).to.equal(2);
      expect(client.counters().rate_limit_wait_ms).to.be.greaterThan(0);
    } finally { await mb.close(); }
  });

  it('retries 5xx, malformed JSON and a hung request with capped back-off, then gives up with a MetadataError', async () => {
    const lb = await startFakeListenBrainz(world);
    try {
      const client = createServiceClient({ service: 'ListenBrainz', baseUrl: lb.url, userAgent: UA, timeoutMs: 300, minIntervalMs: 0, rateLimitStatuses: [429],
        backoffBaseMs: 10, retries: 2, log: quietLogger() });
      const api = createListenBrainz(client);
      const mbid = [...world.recordings.keys()][0]!;
      lb.fault('/1/metadata/recording/', { status: 500 });
      lb.fault('/1/metadata/recording/', { malformed: true });
      expect((await api.recordings([mbid])).has(mbid)).to.equal(true);
      lb.fault('/1/metadata/recording/', { hangMs: 600 });
      expect((await api.recordings([mbid])).has(mbid), 'a timeout is retried').to.equal(true);
      lb.fault('/1/metadata/recording/', { status: 500 }, 3);
      const err = await api.recordings([mbid]).catch((e: unknown) => e) as MetadataError;
      expect(err.code).to.equal('METADATA_UNAVAILABLE');
      expect(err.message).to.include('HTTP 500').and.to.not.include('Token');
      lb.fault('/1/metadata/recording/', { malformed: true }, 3);
      expect((await api.recordings([mbid]).catch((e: unknown) => e) as MetadataError).code).to.equal('METADATA_BAD_RESPONSE');
    } finally { await lb.close(); }
  });

  it('a refused connection is METADATA_OFFLINE; a missing token is METADATA_AUTH', async () => {
    const port = await freePort();
    const offline = createListenBrainz(createServiceClient({ service: 'ListenBrainz', baseUrl: `http://127.0.0.1:${port}`, userAgent: UA, timeoutMs: 300,
      minIntervalMs: 0, rateLimitStatuses: [429], backoffBaseMs: 5, retries: 1, log: quietLogger() }));
    expect((await offline.lookup([{ artist_name: 'a', recording_name: 'b' }]).catch((e: unknown) => e) as MetadataError).code).to.equal('METADATA_OFFLINE');
    const lb = await startFakeListenBrainz(world);
    try {
      const noToken = createListenBrainz(createServiceClient({ service: 'ListenBrainz', baseUrl: lb.url, userAgent: UA, timeoutMs: 300, minIntervalMs: 0,
        rateLimitStatuses: [429], log: quietLogger() }));
      const err = await noToken.lookup([{ artist_name: 'Portishead', recording_name: 'Roads' }]).catch((e: unknown) => e) as MetadataError;
      expect(err.code).to.equal('METADATA_AUTH');
      expect(err.httpStatus).to.equal(401);
      const withToken = createListenBrainz(createServiceClient({ service: 'ListenBrainz', baseUrl: lb.url, userAgent: UA, timeoutMs: 300, minIntervalMs: 0,
        rateLimitStatuses: [429], headers: () => ({ authorization: 'Token lb-test-token' }), log: quietLogger() }));
      const [match] = await withToken.lookup([{ artist_name: 'Portishead', recording_name: 'Roads' }]);
      expect(match?.recording_mbid).to.equal(world.byName.get(world.keyOf('Portishead', 'Roads'))!.mbid);
    } finally { await lb.close(); }
  });

  it('parses the real ListenBrainz recording metadata example: genres vs free tags, area, begin year, release year and Cover Art Archive ids', async () => {
    const lb = await startFakeListenBrainz(world);
    try {
      const api = createListenBrainz(createServiceClient({ service: 'ListenBrainz', baseUrl: lb.url, userAgent: UA, timeoutMs: 1000, minIntervalMs: 0, rateLimitStatuses: [429], log: quietLogger() }));
      const rec = world.byName.get(world.keyOf('Portishead', 'Roads'))!;
      const meta = (await api.recordings([rec.mbid])).get(rec.mbid)!;
      expect(meta.artists[0]).to.include({ mbid: rec.artist.mbid, area: rec.artist.area, begin_year: rec.artist.begin_year, type: rec.artist.type });
      expect(meta.release).to.include({ year: rec.release.year, release_group_mbid: rec.release.group.mbid, caa_id: rec.release.caa_id });
      const free = meta.recording_tags.filter((t) => t.genre_mbid === null).map((t) => t.tag);
      const genres = meta.recording_tags.filter((t) => t.genre_mbid !== null).map((t) => t.tag);
      expect(free).to.deep.equal(rec.recording_tags.filter((t) => !t.genre_mbid).map((t) => t.tag));
      expect(genres).to.deep.equal(rec.recording_tags.filter((t) => t.genre_mbid).map((t) => t.tag));
    } finally { await lb.close(); }
  });
});
