import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import initSqlJs from 'sql.js';
import { buildCore } from '../support/core.js';
import { EXTENDED_DIR } from '../support/fixtures.js';
import { tempDir } from '../support/helpers.js';
import { verifySnapshot } from '../../src/store/snapshot.js';

const file = (name: string) => path.join(EXTENDED_DIR, name);
/** 3 154 + 3 328 rows: past the 5 000 a job needs before it loads without the index. */
const BIG_JOB = [file('efrrowini_Streaming_History_Audio_2024.json'), file('mica92_Streaming_History_Audio_2024_4.json')];
/** 2 319 rows onto the 6 482 stored: kept up to date row by row. */
const SMALL_JOB = [file('efrrowini_Streaming_History_Audio_2026.json')];
const INDEX = 'streams_track_ended';

describe('importers: a big import loads without the per-track index and builds it once at its end', function () {
  this.timeout(120_000);
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => { tmp = await tempDir(); });
  afterEach(async () => { await tmp.remove(); });

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

    const small = await watch(core.importer.importPaths(SMALL_JOB, { account: 'default' }));
    expect(small.dropped).to.equal(0, 'a job small against the stored streams keeps the index up to date row by row');

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
});
