import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import initSqlJs from 'sql.js';
import { buildCore, stream } from '../support/core.js';
import { EXTENDED_DIR } from '../support/fixtures.js';
import { tempDir } from '../support/helpers.js';
import { verifySnapshot } from '../../src/store/snapshot.js';

const file = (name: string) => path.join(EXTENDED_DIR, name);
/** 3 154 + 3 328 rows: past the 5 000 a job needs before it loads without the index. */
const BIG_JOB = [file('efrrowini_Streaming_History_Audio_2024.json'), file('mica92_Streaming_History_Audio_2024_4.json')];
/** 2 319 rows onto the 6 482 stored: kept up to date row by row. */
const SMALL_JOB = [file('efrrowini_Streaming_History_Audio_2026.json')];
const INDEX = 'streams_track_ended';
/** PRODUCT.md "session", computed here from the stored plays (kind 1): consecutive plays whose gap (start of the next minus end of the previous) is at most 20 minutes. */
function sessionsOf(core: { store: { sql: { values(sql: string): unknown[][] } } }): number[][] {
  const plays = (core.store.sql.values('SELECT ended_at - ms_played, ended_at, ms_played FROM streams WHERE kind = 1') as number[][]).sort((a, b) => a[0]! - b[0]!);
  const out: number[][] = [];
  for (const [start, end, ms] of plays as [number, number, number][]) {
    const last = out.at(-1);
    if (last && start - last[1]! <= 20 * 60_000) { last[1] = Math.max(last[1]!, end); last[2]! += 1; last[3]! += ms; } else out.push([start, end, 1, ms]);
  }
  return out;
}

type Db = { store: { sql: { values(sql: string): unknown[][] } } };
/**
 * The rollup tables as they are, and as a direct aggregation over the stored streams of tracks (content 0)
 * computes them from each stream's local day and hour (weekday 0 = Monday: 1970-01-01 was a Thursday).
 */
function rollups(core: Db) {
  const q = (sql: string) => core.store.sql.values(sql);
  return {
    stored: {
      daily: q('SELECT account_id, local_day, plays, skips, streams, ms_played, early_skips FROM daily_stats WHERE streams != 0 ORDER BY 1, 2'),
      hourly: q('SELECT account_id, local_dow, local_hour, plays, skips, ms_played FROM hourly_stats WHERE plays + skips + ms_played != 0 ORDER BY 1, 2, 3'),
      track: q('SELECT account_id, track_id, plays, skips, ms_played, first_at, last_at FROM track_stats ORDER BY 1, 2'),
    },
    direct: {
      daily: q(`SELECT account_id, local_day, sum(kind = 1), sum(kind = 2), count(*), sum(ms_played), sum(kind = 2 AND ms_played < 10000)
        FROM streams WHERE content = 0 GROUP BY 1, 2 ORDER BY 1, 2`),
      hourly: q(`SELECT account_id, (local_day + 3) % 7, local_hour, sum(kind = 1), sum(kind = 2), sum(ms_played)
        FROM streams WHERE content = 0 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`),
      track: q(`SELECT account_id, track_id, sum(kind = 1), sum(kind = 2), sum(ms_played), min(ended_at), max(ended_at)
        FROM streams WHERE content = 0 GROUP BY 1, 2 ORDER BY 1, 2`),
    },
  };
}

describe('importers: a big import loads without the per-track index and builds it once at its end', function () {
  this.timeout(120_000);
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => { tmp = await tempDir(); });
  afterEach(async () => { await tmp.remove(); });

  /**
   * Writes `rows` as one export file in the test's folder and imports it into `core`, which must load it as a bulk
   * load and store every row; returns the stored sessions after checking them against {@link sessionsOf}.
   */
  async function importAsBulk(core: Awaited<ReturnType<typeof buildCore>>, rows: unknown[]): Promise<number[][]> {
    const file = path.join(tmp.dir, 'Streaming_History_Audio_2024.json');
    writeFileSync(file, JSON.stringify(rows));
    let bulk = false;
    const applyImported = core.ingest.applyImported;
    core.ingest.applyImported = async (records) => { bulk ||= !core.store.indexReady(INDEX); return applyImported(records); };
    const report = await core.importer.importPaths([file], { account: 'default' });
    expect(report.totals.streams_stored).to.equal(rows.length);
    expect(bulk, 'the file was loaded as a bulk load').to.equal(true);
    const sessions = core.store.sql.values('SELECT started_at, ended_at, plays, ms_played FROM sessions ORDER BY started_at') as number[][];
    expect(sessions).to.deep.equal(sessionsOf(core));
    return sessions;
  }

  it('drops it for a job that brings many rows only, answers track pages meanwhile, and writes no snapshot without it', async () => {
    const core = await buildCore({ dataDir: tmp.dir });
    const indexExists = () => core.store.sql.get(`SELECT 1 AS x FROM sqlite_master WHERE type = 'index' AND name = ?`, [INDEX]) !== undefined;
    expect(indexExists()).to.equal(true);

    /** Watches a job: whether the index was ever gone, and that a track page then counts what the table holds. */
    async function watch(job: Promise<unknown>) {
      let dropped = 0; let pages = 0; let done = false;
      const loop = (async () => {
        while (!done) {
          if (!core.store.indexReady(INDEX)) {
            dropped++;
            expect(indexExists()).to.equal(false, 'indexReady is false exactly while the index is gone');
            const top = core.store.sql.get<{ track_id: number; n: number }>('SELECT track_id, count(*) AS n FROM streams GROUP BY track_id ORDER BY n DESC LIMIT 1');
            if (top) {
              const res = core.stats.entityStreams('track', top.track_id, { from: 0, to: Date.UTC(2030, 0, 1), account: 'default', limit: 5 });
              expect(res.total).to.equal(top.n);
              pages++;
            }
          }
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      await job.finally(() => { done = true; });
      await loop;
      return { dropped, pages };
    }

    const big = await watch(core.importer.importPaths(BIG_JOB, { account: 'default' }));
    expect(big.dropped).to.be.greaterThan(0, 'the big job loaded without the index');
    expect(big.pages).to.be.greaterThan(0, 'a track page was read while the index was gone');
    expect(core.store.indexReady(INDEX)).to.equal(true);
    expect(indexExists()).to.equal(true);

    // The sessions the big job left for its end are there, as PRODUCT.md defines them (plays 20 min apart at most),
    // and the rollups equal a direct aggregation.
    expect(core.store.sql.values('SELECT started_at, ended_at, plays, ms_played FROM sessions ORDER BY started_at')).to.deep.equal(sessionsOf(core));
    const afterBig = rollups(core);
    expect(afterBig.stored.track.length, 'tracks counted').to.be.greaterThan(500);
    expect(afterBig.stored).to.deep.equal(afterBig.direct);

    const small = await watch(core.importer.importPaths(SMALL_JOB, { account: 'default' }));
    expect(core.store.sql.values('SELECT started_at, ended_at, plays, ms_played FROM sessions ORDER BY started_at')).to.deep.equal(sessionsOf(core));
    expect(small.dropped).to.equal(0, 'a job small against the stored streams keeps the index up to date row by row');
    const afterSmall = rollups(core);
    expect(afterSmall.stored).to.deep.equal(afterSmall.direct);

    // The snapshot on disk (the job's last step) holds the index and uses it for a track's streams.
    const SQL = await initSqlJs();
    const db = new SQL.Database(verifySnapshot(readFileSync(path.join(tmp.dir, 'vibescope.db'))));
    expect(db.exec(`SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = '${INDEX}'`)[0]!.values[0]![0]).to.equal(1);
    const plan = db.exec('EXPLAIN QUERY PLAN SELECT count(*) FROM streams WHERE track_id = 1 AND ended_at > 0')[0]!.values.map((v) => String(v[3])).join(' ');
    expect(plan).to.include(INDEX);
    const streams = (db.exec('SELECT count(*) FROM streams')[0]!.values[0]![0]) as number;
    expect(streams).to.equal(core.store.sql.get<{ n: number }>('SELECT count(*) AS n FROM streams')!.n);
    db.close();
    await core.close();
  });
  it('joins a long play begun before a 30-day window of the end-of-load recompute to the session before it', async () => {
    // One file past the bulk threshold: 40 days of plays 35 min apart (one session each, but one joined span),
    // then filler far away. Around the first window edge (30 days after the first play's start): a short play
    // ending 2 h before it, and a 2 h 55 min play starting 5 min after that one ends (the same session).
    const template = (JSON.parse(readFileSync(BIG_JOB[0]!, 'utf8')) as Record<string, unknown>[]).find((r) => r.spotify_track_uri)!;
    const row = (endedAt: number, ms: number) => ({ ...template, ts: new Date(endedAt).toISOString().replace(/\.\d{3}Z$/, 'Z'), ms_played: ms,
      reason_end: 'trackdone', skipped: false });
    const start = Date.UTC(2024, 0, 1);
    const short = 180_000;
    const gap = 35 * 60_000; // 32 min between plays: separate sessions (over 20 min), one span (joined under 40)
    const edge = start + 30 * 86_400_000; // the first play starts at `start`: its span's first window ends here
    const rows = [];
    let end = start + short;
    for (; end + gap <= edge - 2 * 3_600_000; end += gap) rows.push(row(end, short));
    rows.push(row(end, short)); // the short play, ending 2 h or a little more before the edge
    const shortEnd = end;
    const longEnd = edge + 3_600_000;
    rows.push(row(longEnd, longEnd - (shortEnd + 5 * 60_000))); // starts 5 min after it: the same session
    for (end = longEnd + 30 * 60_000; end < start + 40 * 86_400_000; end += gap) rows.push(row(end, short));
    for (let i = 0; rows.length < 5200; i++) rows.push(row(Date.UTC(2025, 5, 1) + i * 35 * 60_000, short));
    const core = await buildCore({ dataDir: tmp.dir });
    const sessions = await importAsBulk(core, rows);
    expect(sessions.some((x) => x[0] === shortEnd - short && x[1] === longEnd && x[2] === 2),
      'the short play and the long one crossing the window edge are one session').to.equal(true);
    await core.close();
  });

  it('leaves the sessions PRODUCT.md defines when the load\'s sessions lie hours apart around plays stored before it', async () => {
    // The end-of-load recompute joins spans less than a day apart: the gaps it reads hold live plays stored
    // before, some 10 min from an imported session (they join it), some alone (they stay sessions of their own).
    const template = (JSON.parse(readFileSync(BIG_JOB[0]!, 'utf8')) as Record<string, unknown>[]).find((r) => r.spotify_track_uri)!;
    const row = (endedAt: number) => ({ ...template, ts: new Date(endedAt).toISOString().replace(/\.\d{3}Z$/, 'Z'), ms_played: 180_000,
      reason_end: 'trackdone', skipped: false });
    const start = Date.UTC(2024, 2, 1);
    const rows = [];
    const live = [];
    for (let session = 0; rows.length < 5200; session++) {
      const at = start + session * 5 * 3_600_000; // a session every 5 h: 4 plays 4 min apart
      for (let i = 0; i < 4; i++) rows.push(row(at + i * 240_000));
      if (session % 3 === 0) live.push(stream(800_000 + session, at + 3 * 240_000 + 10 * 60_000 + 180_000)); // starts 10 min after: joins
      if (session % 3 === 1) live.push(stream(800_000 + session, at + 2.5 * 3_600_000)); // 2 h from both neighbours: alone
    }
    const core = await buildCore({ dataDir: tmp.dir });
    await core.ingest.record(live);
    const before = core.store.sql.values('SELECT count(*) FROM sessions')[0]![0];
    expect(before).to.equal(live.length, 'each live play stored first is a session of its own');
    const sessions = await importAsBulk(core, rows);
    // Independently of sessionsOf: 1 300 imported sessions, a third of them with a live play joined (5 plays), plus the lone live plays.
    const imported = rows.length / 4;
    expect(sessions.filter((x) => x[2] === 5)).to.have.length(Math.ceil(imported / 3));
    expect(sessions).to.have.length(imported + live.filter((l) => (l.ended_at - start) % (5 * 3_600_000) === 2.5 * 3_600_000).length);
    await core.close();
  });

  it('counts a live play and a skip recorded during the load in the rollups once', async () => {
    const core = await buildCore({ dataDir: tmp.dir });
    const sql = core.store.sql;
    const exec = sql.exec.bind(sql);
    let live: Promise<unknown> | null = null;
    sql.exec = ((statement: string, params?: unknown[]) => {
      if (!live && !core.store.indexReady(INDEX)) {
        // A live play of this account and a skip of another arrive while the index is gone: recorded between batches.
        live = core.ingest.record([stream(900_001, Date.UTC(2024, 6, 1, 12)),
          stream(900_002, Date.UTC(2024, 6, 1, 13), { account: 'second', ms_played: 5_000, reason_end: 'fwdbtn', skipped: true })]);
      }
      return exec(statement, params as never);
    }) as typeof sql.exec;
    const report = await core.importer.importPaths(BIG_JOB, { account: 'default' });
    await live;
    sql.exec = exec;
    expect(live, 'the live records came while the load ran').to.not.equal(null);
    expect(report.totals.streams_stored).to.equal(3154 + 3328);
    expect(core.store.indexReady(INDEX)).to.equal(true);
    const r = rollups(core);
    expect(r.stored.daily.length).to.be.greaterThan(100);
    expect(r.stored).to.deep.equal(r.direct);
    expect(sql.values('SELECT count(*) FROM streams')[0]![0]).to.equal(3154 + 3328 + 2);
    await core.close();
  });
});
