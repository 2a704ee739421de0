import { expect } from 'chai';
import { buildCore, importRecords, stream, track } from '../support/core.js';
import { rng } from '../support/helpers.js';
import { classify } from '../../src/ingest/index.js';
import { SOURCE_BIT } from '../../src/store/index.js';

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

  it('leaves stored streams that hold the incoming source out of the candidates, and still merges with the others', async () => {
    await core.ingest.record([stream(1, T0)]);
    await importRecords(core, [stream(2, T0 + 60_000, { source: 'import-extended' })]);
    const accountId = core.store.catalog.findAccountId('default')!;
    const ids = (mask?: number) => core.store.streams.candidates(accountId, T0 - 3_600_000, T0 + 3_600_000, mask).map((c) => c.track_uri);
    expect(ids(), 'no mask: both').to.have.members([track(1).uri, track(2).uri]);
    expect(ids(SOURCE_BIT['import-extended']), 'without the streams an import already holds').to.deep.equal([track(1).uri]);
    expect(ids(SOURCE_BIT.poll | SOURCE_BIT['import-extended'])).to.deep.equal([]);
    // The poll's stream is still found by an import of its own record: one stream, both sources.
    await importRecords(core, [stream(1, T0 + 9_000, { source: 'import-extended', ms_played: 190_000 })]);
    expect(count()).to.equal(2);
    expect(core.stats.streams({ from: 0, to: Infinity, limit: 10 }).streams.map((s) => s.sources))
      .to.deep.equal([['import-extended'], ['import-extended', 'poll']], 'newest first: track 2, then the merged poll');
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

describe('ingest: pairing nearest first across the batch, sessions at the seam, one skip threshold', () => {
  const T = Date.UTC(2026, 0, 10, 12);

  it('pairs the globally nearest record first, not the first record in time order', async () => {
    const core = await buildCore();
    // Stored: two export rows of one track, A at T and B at T + 29 s.
    await importRecords(core, [
      stream(7, T, { source: 'import-extended', ms_played: 180_000, reason_end: 'trackdone' }),
      stream(7, T + 29_000, { source: 'import-extended', ms_played: 40_000, reason_end: 'trackdone' }),
    ]);
    // Polled: r1 at T − 10 s (10 s from A, 39 s from B), r2 at T + 2 s (2 s from A, 27 s from B).
    await core.ingest.record([stream(7, T - 10_000), stream(7, T + 2_000)]);
    const rows = core.store.sql.all<{ ended_at: number; ms_played: number; sources: number }>('SELECT ended_at, ms_played, sources FROM streams ORDER BY ended_at');
    // r2–A (2 s) is the nearest pair: A takes r2; r1 then has no partner within 30 s (B is 39 s away): a new stream.
    expect(rows).to.deep.equal([
      { ended_at: T - 10_000, ms_played: 200_000, sources: 1 },
      { ended_at: T + 2_000, ms_played: 180_000, sources: 1 | 4 },
      { ended_at: T + 29_000, ms_played: 40_000, sources: 4 },
    ]);
    await core.close();
  });

  it('keeps sessions right when plays arrive out of order across imports and live polls (no split, no duplicate)', async () => {
    const random = rng(4242);
    const plays: { n: number; ended: number; ms: number }[] = [];
    let t = T;
    for (let i = 0; i < 120; i++) {
      const ms = 60_000 + Math.floor(random() * 200_000);
      t += ms + (random() < 0.15 ? 25 * 60_000 + Math.floor(random() * 3_600_000) : Math.floor(random() * 19 * 60_000));
      plays.push({ n: i, ended: t, ms });
    }
    const core = await buildCore();
    // Newest half live first, then the older half as an import, then a few late live records in between.
    const shuffled = [...plays].sort(() => random() - 0.5);
    const live = shuffled.slice(0, 40); const imported = shuffled.slice(40, 100); const late = shuffled.slice(100);
    for (const p of live) await core.ingest.record([stream(1000 + p.n, p.ended, { ms_played: p.ms })]);
    await importRecords(core, imported.map((p) => stream(1000 + p.n, p.ended, { source: 'import-extended', ms_played: p.ms })));
    await core.ingest.record(late.map((p) => stream(1000 + p.n, p.ended, { source: 'player', ms_played: p.ms })));
    // The definition, computed here: plays sorted by start, a new session when start − previous end > 20 min.
    const sorted = [...plays].sort((a, b) => (a.ended - a.ms) - (b.ended - b.ms));
    const expected: { started_at: number; ended_at: number; plays: number }[] = [];
    for (const p of sorted) {
      const last = expected.at(-1);
      if (last && p.ended - p.ms - last.ended_at <= 20 * 60_000) { last.ended_at = Math.max(last.ended_at, p.ended); last.plays++; }
      else expected.push({ started_at: p.ended - p.ms, ended_at: p.ended, plays: 1 });
    }
    const actual = core.store.sql.all('SELECT started_at, ended_at, plays FROM sessions ORDER BY started_at');
    expect(actual).to.deep.equal(expected);
    await core.close();
  });

  it('keeps one session per run of plays when a play arrives 20 to 40 minutes before a stored session', async () => {
    const core = await buildCore();
    // Stored: one session of two plays (200 s each) starting at S.
    const S = T + 3_600_000;
    await core.ingest.record([stream(31, S + 200_000), stream(32, S + 400_000)]);
    // Later, a play ending 30 min before S: a gap of more than 20 min, so a session of its own (PRODUCT.md "session").
    const end = S - 30 * 60_000;
    await core.ingest.record([stream(33, end)]);
    const actual = core.store.sql.all('SELECT started_at, ended_at, plays FROM sessions ORDER BY started_at');
    expect(actual).to.deep.equal([
      { started_at: end - 200_000, ended_at: end, plays: 1 },
      { started_at: S, ended_at: S + 400_000, plays: 2 },
    ]);
    await core.close();
  });

  it('applies skip_threshold_s to every source, and classifies the history again when it changes', async () => {
    const tmp = await import('../support/helpers.js').then((h) => h.tempDir());
    try {
      const rows = [
        stream(21, T, { source: 'import-extended', ms_played: 5_000, skipped: true, reason_end: 'fwdbtn' }),
        stream(22, T + 60_000, { source: 'import-extended', ms_played: 15_000, skipped: true, reason_end: 'fwdbtn' }),
        stream(23, T + 120_000, { source: 'import-extended', ms_played: 35_000, skipped: true, reason_end: 'fwdbtn' }),
        stream(24, T + 180_000, { source: 'player', ms_played: 15_000, skipped: true }),
      ];
      const at30 = await buildCore({ dataDir: tmp.dir, skipThresholdMs: 30_000 });
      await at30.ingest.record(rows);
      const kinds = (c: typeof at30) => c.store.sql.all<{ kind: number }>('SELECT kind FROM streams ORDER BY ended_at').map((r) => ['other', 'play', 'skip'][r.kind]);
      expect(kinds(at30)).to.deep.equal(['skip', 'skip', 'play', 'skip'], 'at 30 s: under 30 s and ended by the listener is a skip; 35 s is a play');
      await at30.close();
      const at10 = await buildCore({ dataDir: tmp.dir, skipThresholdMs: 10_000 });
      expect(kinds(at10)).to.deep.equal(['skip', 'other', 'play', 'other'], 'at 10 s: 15 s is neither, for imports and live alike');
      const summary = at10.stats.summary({ from: 0, to: Date.now() });
      expect(summary).to.include({ plays: 1, skips: 1 }, 'the rollups follow the new classification');
      await at10.close();
    } finally { await tmp.remove(); }
  });

  it('never puts a skip-only track on a top list or as top track of the week', async () => {
    const core = await buildCore();
    const now = Date.UTC(2026, 0, 14, 12); // a Wednesday
    await core.ingest.record([
      stream(31, now - 3_600_000, { source: 'player', ms_played: 4_000, skipped: true }),
      stream(31, now - 3_000_000, { source: 'player', ms_played: 3_000, skipped: true }),
      stream(32, now - 9 * 86_400_000),
    ]);
    expect(core.stats.counters('default', now).top_track_week).to.equal(null, 'no play this week: no top track');
    const top = core.stats.top('tracks', { from: 0, to: now }, 10, 'plays');
    expect(top.map((t) => t.name)).to.deep.equal(['Song 32']);
    expect(core.stats.top('tracks', { from: 0, to: now }, 10, 'ms').map((t) => t.name)).to.deep.equal(['Song 32']);
    await core.close();
  });
});
