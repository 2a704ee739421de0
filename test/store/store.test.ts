import { expect } from 'chai';
import { appendFileSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { buildCore, stream } from '../support/core.js';
import { memoryLogger, tempDir } from '../support/helpers.js';
import { EXTENDED_DIR } from '../support/fixtures.js';
import { createTimeZoneMath } from '../../src/time.js';

const T0 = Date.UTC(2026, 2, 1, 10);

describe('store: journal, snapshots, recovery, rollups', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => { tmp = await tempDir(); });
  afterEach(async () => { await tmp.remove(); });

  const journalFiles = () => readdirSync(path.join(tmp.dir, 'journal')).filter((f) => f.endsWith('.jsonl'));

  it('journals before anything is visible and replays the journal after an unclean stop', async () => {
    const a = await buildCore({ dataDir: tmp.dir });
    await a.ingest.record([stream(1, T0), stream(2, T0 + 240_000)]);
    const lines = journalFiles().map((f) => readFileSync(path.join(tmp.dir, 'journal', f), 'utf8')).join('');
    expect(lines).to.include('"t":"streams"').and.to.include('spotify:track:t1');
    // no close(): simulate a crash (nothing but the journal reached the disk)
    const b = await buildCore({ dataDir: tmp.dir });
    expect(b.recovered.applied).to.equal(1, 'one journal line (2 streams) replayed');
    expect(b.stats.summary({ from: 0, to: Date.now() }).plays).to.equal(2);
    await b.close();
    const c = await buildCore({ dataDir: tmp.dir });
    expect(c.recovered.lines).to.equal(0, 'the replay was compacted into a snapshot');
    expect(c.stats.summary({ from: 0, to: Date.now() }).plays).to.equal(2);
    await c.close();
    await a.close();
  });

  it('ignores a torn last journal line', async () => {
    const a = await buildCore({ dataDir: tmp.dir });
    await a.ingest.record([stream(1, T0)]);
    const file = path.join(tmp.dir, 'journal', journalFiles().at(-1)!);
    appendFileSync(file, '{"v":1,"t":"streams","records":[{"account":"default","sou');
    const { log, lines } = memoryLogger();
    const b = await buildCore({ dataDir: tmp.dir, log });
    expect(b.stats.summary({ from: 0, to: Date.now() }).plays).to.equal(1);
    expect(b.store.recovery.torn_lines).to.equal(1);
    expect(lines.join('\n')).to.include('torn last line ignored');
    await b.close(); await a.close();
  });

  it('moves a corrupt snapshot aside (never overwritten) and uses the previous one plus the journals', async () => {
    const a = await buildCore({ dataDir: tmp.dir, maxJournalRecords: 1 });
    await a.ingest.record([stream(1, T0)]); // compaction 1 → vibescope.db
    await a.ingest.record([stream(2, T0 + 300_000)]); // compaction 2 → .prev is compaction 1
    await a.ingest.record([stream(3, T0 + 600_000)]); // compaction 3
    await a.close();
    const snapshot = path.join(tmp.dir, 'vibescope.db');
    const garbage = Buffer.alloc(8192, 0x41);
    writeFileSync(snapshot, garbage);
    const { log, lines } = memoryLogger();
    const b = await buildCore({ dataDir: tmp.dir, log });
    expect(b.store.recovery.loaded_from).to.equal('previous-snapshot');
    expect(b.store.recovery.quarantined).to.have.length(1);
    const moved = b.store.recovery.quarantined[0]!;
    expect(existsSync(moved)).to.equal(true);
    expect(readFileSync(moved).equals(garbage)).to.equal(true, 'the bad snapshot is kept as it was');
    expect(b.stats.summary({ from: 0, to: Date.now() }).plays).to.equal(3, 'previous snapshot + journals hold every play');
    expect(lines.join('\n')).to.include('moved aside');
    await b.close();
  });

  it('keeps rollups equal to a direct aggregation over the streams', async () => {
    const core = await buildCore({ timeZone: 'Europe/Berlin' });
    await core.importer.importPaths([EXTENDED_DIR], { account: 'default' });
    await core.ingest.record([stream(1, Date.parse('2024-09-01T10:00:00Z'))]);
    const tz = createTimeZoneMath('Europe/Berlin');
    const rows = core.store.sql.all<{ ended_at: number; kind: number; ms_played: number }>('SELECT ended_at, kind, ms_played FROM streams WHERE content = 0');
    const byDay = new Map<number, { plays: number; ms: number }>();
    for (const r of rows) {
      const day = Math.floor((r.ended_at + tz.offsetMs(r.ended_at)) / 86_400_000);
      const e = byDay.get(day) ?? { plays: 0, ms: 0 };
      e.plays += r.kind === 1 ? 1 : 0; e.ms += r.ms_played; byDay.set(day, e);
    }
    const rollup = core.store.sql.all<{ local_day: number; plays: number; ms_played: number }>('SELECT local_day, plays, ms_played FROM daily_stats WHERE streams > 0');
    expect(rollup.length).to.equal(byDay.size);
    for (const r of rollup) expect({ plays: r.plays, ms: r.ms_played }).to.deep.equal(byDay.get(r.local_day));
    const sessions = core.store.sql.get<{ plays: number }>('SELECT sum(plays) AS plays FROM sessions')!;
    expect(sessions.plays).to.equal(rows.filter((r) => r.kind === 1).length, 'every play is in exactly one session');
    await core.close();
  });

  it('rebuilds the local buckets when the time zone changes', async () => {
    const a = await buildCore({ dataDir: tmp.dir, timeZone: 'UTC' });
    await a.ingest.record([stream(1, Date.UTC(2026, 0, 1, 23, 30))]);
    await a.close();
    const b = await buildCore({ dataDir: tmp.dir, timeZone: 'Europe/Berlin' });
    const day = b.store.sql.get<{ local_day: number; local_hour: number }>('SELECT local_day, local_hour FROM streams')!;
    expect(day.local_hour).to.equal(0);
    expect(new Date(day.local_day * 86_400_000).toISOString().slice(0, 10)).to.equal('2026-01-02');
    await b.close();
  });

  it('handles DST in local buckets', () => {
    const tz = createTimeZoneMath('Europe/Berlin');
    expect(tz.buckets(Date.UTC(2026, 2, 29, 0, 30)).hour).to.equal(1); // CET
    expect(tz.buckets(Date.UTC(2026, 2, 29, 1, 30)).hour).to.equal(3); // CEST
    expect(tz.buckets(Date.UTC(2026, 0, 5, 12)).dow).to.equal(0, '2026-01-05 is a Monday');
  });
});

describe('store: identity keys are filed by the day their record ended', () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => { tmp = await tempDir(); });
  afterEach(async () => { await tmp.remove(); });

  const files = readdirSync(EXTENDED_DIR).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(EXTENDED_DIR, f));
  const dayOf = (ms: number) => Math.floor(ms / 86_400_000);
  const daysOfFile = (file: string) => new Set((JSON.parse(readFileSync(file, 'utf8')) as { ts: string }[]).map((r) => dayOf(Date.parse(r.ts))));
  const live = [stream(1, T0), stream(2, T0 + 240_000), stream(3, T0 + 2 * 86_400_000)];

  it('files each key under its UTC day, and a store whose keys predate that (migration 5) still knows every record it holds', async () => {
    const [first, second, third] = files as [string, string, string];
    const a = await buildCore({ dataDir: tmp.dir });
    const imported = await a.importer.importPaths([first, second], { account: 'default' });
    await a.ingest.record(live);
    const keyDays = new Set(a.store.sql.values('SELECT DISTINCT utc_day FROM stream_keys').map(([d]) => d as number));
    expect(keyDays).to.deep.equal(new Set([...daysOfFile(first), ...daysOfFile(second), ...live.map((s) => dayOf(s.ended_at))]));
    const keys = a.store.sql.get<{ n: number }>('SELECT count(*) AS n FROM stream_keys')!.n;
    expect(keys).to.equal(imported.totals.rows_read + live.length);

    // Rewrite the table as every release before migration 5 kept it (keys by hash alone, schema version 4) and snapshot that.
    for (const statement of ['CREATE TABLE old_keys (key INTEGER PRIMARY KEY, stream_id INTEGER NOT NULL)',
      'INSERT INTO old_keys SELECT key, stream_id FROM stream_keys', 'DROP TABLE stream_keys',
      'ALTER TABLE old_keys RENAME TO stream_keys', 'PRAGMA user_version = 4']) a.store.sql.exec(statement);
    await a.store.compactNow('test');
    await a.close();

    const b = await buildCore({ dataDir: tmp.dir });
    expect(b.store.sql.get<{ user_version: number }>('PRAGMA user_version')!.user_version).to.equal(5);
    expect(b.store.sql.values('SELECT utc_day, count(*) FROM stream_keys GROUP BY utc_day')).to.deep.equal([[0, keys]]);
    const streams = () => b.store.sql.get<{ n: number }>('SELECT count(*) AS n FROM streams')!.n;
    const before = streams();
    const again = await b.importer.importPaths([first, second], { account: 'default' });
    expect(again.totals.streams_stored).to.equal(0);
    expect(again.totals.already_imported).to.equal(imported.totals.rows_read);
    expect((await b.ingest.record(live)).duplicates).to.equal(live.length);
    expect(streams()).to.equal(before);
    // New records are filed by their own day again.
    const fresh = await b.importer.importPaths([third], { account: 'default' });
    expect(fresh.totals.streams_stored + fresh.totals.merged_duplicates).to.be.greaterThan(0);
    const newDays = new Set(b.store.sql.values('SELECT DISTINCT utc_day FROM stream_keys WHERE utc_day != 0').map(([d]) => d as number));
    expect(newDays).to.deep.equal(daysOfFile(third));
    await b.close();
  });
});
