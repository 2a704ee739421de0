import { expect } from 'chai';
import path from 'node:path';
import { createScheduler } from '../../src/scheduler.js';
import { EXTENDED_DIR } from '../support/fixtures.js';
import { quietLogger } from '../support/helpers.js';
import { buildPlaylistsApp, catalogFromRows, historyRows } from './harness.js';

const rows2024 = historyRows('efrrowini_Streaming_History_Audio_2024.json');

describe('playlists: the nightly schedule and genres from the metadata capability', function () {
  this.timeout(60_000);

  it('schedules one nightly job per account at its own local time (the option otherwise), none while vibe playlists are off', async () => {
    const app = await buildPlaylistsApp({ options: { accounts: [{ name: 'default', vibe_playlist_time: '06:15' }], vibe_playlist_time: '04:45' } });
    try {
      expect(app.playlists.scheduledJobs().map((j) => [j.name, j.cron])).to.deep.equal([['playlists.default', '15 6 * * *']]);
      const status = app.playlists.status('default');
      expect(status.time).to.equal('06:15');
      // Next 06:15 in Europe/Berlin after the clock (2025-01-03 06:00 UTC = 07:00 local): the next day, 05:15 UTC.
      expect(status.next_run_at).to.equal(Date.UTC(2025, 0, 4, 5, 15));
    } finally { await app.close(); }
    const off = await buildPlaylistsApp({ options: { vibe_playlists: false } });
    try {
      expect(off.playlists.scheduledJobs()).to.deep.equal([]);
      expect(off.playlists.status('default').next_run_at).to.equal(null);
    } finally { await off.close(); }
  });

  it('the scheduler runs the jobs it is handed (node-schedule, in the configured zone)', async () => {
    let ran!: () => void;
    const fired = new Promise<void>((resolve) => { ran = resolve; });
    const scheduler = createScheduler({ log: quietLogger(), timeZone: 'Europe/Berlin', compact: async () => undefined,
      jobs: [{ name: 'test.every-second', cron: '* * * * * *', run: async () => ran() }] });
    scheduler.start();
    try {
      await Promise.race([fired, new Promise((_, reject) => setTimeout(() => reject(new Error('the job did not run within 3 s')), 3_000))]);
    } finally { scheduler.stop(); }
  });

  it('with genres (genresOf), searches the seed\'s top genres and says which genres a track matches (every other test runs without genres)', async () => {
    const calls: number[][] = [];
    const app = await buildPlaylistsApp({ options: { vibe_playlist_size: 20 }, extra: { genresOf: async (ids) => {
      calls.push([...ids]);
      const out = new Map<number, string[]>();
      for (const id of ids) {
        const artist = app.core.store.sql.get<{ name: string }>('SELECT ar.name AS name FROM tracks t JOIN artists ar ON ar.id = t.artist_id WHERE t.id = ?', [id])?.name ?? '';
        out.set(id, [/christmas|bubl|williams|wham|martin|helms|carey/i.test(artist) ? 'christmas' : 'pop']);
      }
      return out;
    } } });
    try {
      const catalog = catalogFromRows(rows2024);
      for (const c of catalog) c.genres = [/christmas|bubl|williams|wham|martin|helms|carey/i.test(c.track.artists[0].name) ? 'christmas' : 'pop'];
      app.fake.playlists.catalog.push(...catalog);
      await app.core.importer.importPaths([path.join(EXTENDED_DIR, 'efrrowini_Streaming_History_Audio_2024.json')], { account: 'default' });
      const run = await app.generate({ dry_run: true });
      expect(run.status, run.error ?? '').to.equal('success');
      expect(calls.length).to.equal(1);
      expect(calls[0]!.length).to.be.greaterThan(100);
      const queries = app.fake.requests.filter((r) => r.path === '/v1/search').map((r) => String(r.query.q));
      expect(queries).to.include('genre:"christmas"');
      expect(queries).to.include('genre:"pop"');
      expect(run.tracks.some((t) => /it matches your genres \((christmas|pop)/.test(t.why)), 'a why names the genres').to.equal(true);
    } finally { await app.close(); }
  });
});
