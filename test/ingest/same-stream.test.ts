import { expect } from 'chai';
import { buildCore, importRecords, stream, track } from '../support/core.js';
import { classify } from '../../src/ingest/index.js';

const T0 = Date.UTC(2026, 0, 10, 12);

describe('ingest: same stream (PRODUCT.md)', () => {
  let core: Awaited<ReturnType<typeof buildCore>>;
  beforeEach(async () => { core = await buildCore(); });
  afterEach(async () => { await core.close(); });

  const count = () => core.store.sql.get<{ n: number }>('SELECT count(*) AS n FROM streams')!.n;

  it('merges a polled play with its export row 12 s apart and keeps the export ms_played and reasons', async () => {
    await core.ingest.record([stream(1, T0)]);
    await importRecords(core, [
      stream(1, T0 + 12_000, { source: 'import-extended', ms_played: 187_000, reason_start: 'clickrow', reason_end: 'trackdone', skipped: false }),
    ]);
    expect(count()).to.equal(1);
    const row = core.stats.streams({ from: 0, to: Infinity, limit: 10 }).streams[0]!;
    expect(row.ms_played).to.equal(187_000);
    expect(row.reason_end).to.equal('trackdone');
    expect(row.ended_at).to.equal(T0, 'the poll ended_at (ms precision) wins');
    expect(row.sources).to.deep.equal(['import-extended', 'poll']);
  });

  it('does not merge two records of one track from one source seconds apart (back button)', async () => {
    const result = await importRecords(core, [
      stream(1, T0, { source: 'import-extended', ms_played: 4_000, reason_end: 'backbtn', skipped: true }),
      stream(1, T0 + 5_000, { source: 'import-extended', ms_played: 5_000, reason_end: 'trackdone' }),
    ]);
    expect(result.inserted).to.have.length(2);
    expect(count()).to.equal(2);
  });

  it('does not merge records of the same track more than 30 s apart', async () => {
    await core.ingest.record([stream(1, T0)]);
    await core.ingest.record([stream(1, T0 + 31_000, { source: 'player', ms_played: 150_000 })]);
    expect(count()).to.equal(2);
  });

  it('matches account-data rows by artist + title within ±60 s and fills in the URI track', async () => {
    await importRecords(core, [
      stream(2, T0 + 40_000, { source: 'import-account', ms_played: 190_000, track: track(2, { uri: null, album: null, artists: [{ spotify_id: null, name: 'Artist 2' }] }) }),
    ]);
    await importRecords(core, [
      stream(2, T0, { source: 'import-extended', ms_played: 191_000 }),
    ]);
    expect(count()).to.equal(1);
    const row = core.stats.streams({ from: 0, to: Infinity, limit: 10 }).streams[0]!;
    expect(row.track_uri).to.equal('spotify:track:t2');
    expect(row.ms_played).to.equal(191_000);
  });

  it('matches one-to-one, nearest first', async () => {
    await importRecords(core, [
      stream(3, T0, { source: 'import-extended', ms_played: 200_000 }),
      stream(3, T0 + 20_000, { source: 'import-extended', ms_played: 20_000, reason_end: 'fwdbtn', skipped: true }),
    ]);
    await core.ingest.record([stream(3, T0 + 16_000), stream(3, T0 - 3_000)]);
    expect(count()).to.equal(2);
    const rows = core.store.sql.all<{ sources: number }>('SELECT sources FROM streams ORDER BY ended_at');
    expect(rows.map((r) => r.sources)).to.deep.equal([1 | 4, 1 | 4]);
  });

  it('records the same record twice as one stream (re-poll, re-import, journal replay)', async () => {
    const first = await core.ingest.record([stream(4, T0)]);
    const second = await core.ingest.record([stream(4, T0)]);
    expect(first.inserted).to.have.length(1);
    expect(second.inserted).to.have.length(0);
    expect(second.duplicates).to.equal(1);
    expect(count()).to.equal(1);
  });

  it('announces new plays and skips on the bus only once they are stored', async () => {
    const seen: string[] = [];
    core.bus.on('play.recorded', 'test', (row) => { seen.push(`play:${row.track_name}:${core.store.streams.rowsByIds([row.id]).length}`); });
    core.bus.on('skip.detected', 'test', (row) => { seen.push(`skip:${row.track_name}`); });
    await core.ingest.record([stream(5, T0), stream(6, T0 + 60_000, { source: 'player', ms_played: 3_000, skipped: true })]);
    expect(seen).to.deep.equal(['play:Song 5:1', 'skip:Song 6']);
  });

  it('classifies by the PRODUCT.md rules', () => {
    expect(classify('track', 30_000, null, null)).to.equal('play');
    expect(classify('track', 29_999, true, 'endplay')).to.equal('skip');
    expect(classify('track', 29_000, false, 'fwdbtn')).to.equal('skip');
    expect(classify('track', 12_000, false, 'backbtn')).to.equal('skip');
    expect(classify('track', 12_000, false, 'logout')).to.equal('other');
    expect(classify('episode', 600_000, null, 'trackdone')).to.equal('other');
  });
});
