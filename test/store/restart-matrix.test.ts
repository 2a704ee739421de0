import { expect } from 'chai';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildCore, stream } from '../support/core.js';
import { tempDir, rng } from '../support/helpers.js';
import { EXTENDED_DIR } from '../support/fixtures.js';

const T0 = Date.UTC(2026, 5, 1, 8);
const FILES = readdirSync(EXTENDED_DIR).filter((f) => f.endsWith('.json')).map((f) => path.join(EXTENDED_DIR, f));
/** Rows of each fixture file, counted by this test (not by the importer): every row of these files is valid. */
const ROWS = new Map(FILES.map((f) => [f, (JSON.parse(readFileSync(f, 'utf8')) as unknown[]).length]));

describe('store: every acknowledged stream survives any sequence of imports, compactions, clean stops and crashes', function () {
  this.timeout(120_000);
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => { tmp = await tempDir(); });
  afterEach(async () => { await tmp.remove(); });

  const journalDir = () => path.join(tmp.dir, 'journal');

  it('keeps the plays synced after an import, a clean stop and a restart (the 0.1 journal-numbering loss)', async () => {
    // import → serve → sync → stop → serve: the synced plays were gone because the new journal file
    // reused a number the snapshot already covered.
    const a = await buildCore({ dataDir: tmp.dir });
    await a.importer.importPaths([FILES[0]!], { account: 'default' });
    await a.close({ compact: true });
    const b = await buildCore({ dataDir: tmp.dir });
    await b.ingest.record([stream(1, T0), stream(2, T0 + 240_000), stream(3, T0 + 480_000)]);
    await b.close();
    const c = await buildCore({ dataDir: tmp.dir });
    await c.close();
    const d = await buildCore({ dataDir: tmp.dir });
    const uris = d.store.sql.all<{ uri: string }>("SELECT t.uri AS uri FROM streams s JOIN tracks t ON t.id = s.track_id WHERE t.uri LIKE 'spotify:track:t%'").map((r) => r.uri);
    expect(uris.sort()).to.deep.equal(['spotify:track:t1', 'spotify:track:t2', 'spotify:track:t3']);
    await d.close();
  });

  it('numbers journal files above the snapshot even when every journal file is gone', async () => {
    const a = await buildCore({ dataDir: tmp.dir, maxJournalRecords: 1 });
    for (let i = 0; i < 4; i++) await a.ingest.record([stream(10 + i, T0 + i * 300_000)]); // 4 compactions
    const seq = Number(a.store.getMeta('journal_seq'));
    await a.close();
    expect(seq).to.be.greaterThan(3);
    for (const f of readdirSync(journalDir())) if (f.startsWith('journal.')) rmSync(path.join(journalDir(), f));
    writeFileSync(path.join(journalDir(), 'next-seq'), '1\n'); // even a next-seq file that went back
    const b = await buildCore({ dataDir: tmp.dir });
    await b.ingest.record([stream(99, T0 + 9_000_000)]);
    const written = readdirSync(journalDir()).filter((f) => f.startsWith('journal.')).map((f) => Number(f.slice(8, 16)));
    expect(Math.min(...written)).to.be.greaterThan(seq, 'the new file is numbered above the snapshot');
    await b.close();
    const c = await buildCore({ dataDir: tmp.dir });
    expect(c.stats.summary({ from: 0, to: Date.now() }).plays).to.equal(5);
    await c.close();
  });

  it('survives 60 random cycles of import / live streams / compaction / clean stop / crash with nothing lost or doubled', async () => {
    const random = rng(20261201);
    const acknowledged = new Set<string>();
    const imported = new Set<string>();
    let n = 0;
    let t = T0;
    let open: Awaited<ReturnType<typeof buildCore>> | null = null;
    const covered = new Map<Awaited<ReturnType<typeof buildCore>>, number>();
    const coveredSeq = (core: Awaited<ReturnType<typeof buildCore>>) => covered.get(core)!;
    for (let cycle = 0; cycle < 60; cycle++) {
      open ??= await buildCore({ dataDir: tmp.dir, maxJournalRecords: 1 + Math.floor(random() * 4) });
      const core = open;
      // What every earlier cycle acknowledged is there, exactly once.
      const rows = core.store.sql.all<{ uri: string; ended_at: number; n: number }>(`SELECT t.uri AS uri, s.ended_at AS ended_at, count(*) AS n
        FROM streams s JOIN tracks t ON t.id = s.track_id WHERE t.uri LIKE 'spotify:track:t%' GROUP BY 1, 2`);
      const have = new Map(rows.map((r) => [`${r.uri}@${r.ended_at}`, r.n]));
      for (const key of acknowledged) expect(have.get(key), `cycle ${cycle}: ${key}`).to.equal(1);
      const importedRows = core.store.sql.get<{ n: number }>('SELECT count(*) AS n FROM streams WHERE source = 4')!.n;
      expect(importedRows, `cycle ${cycle}: imported rows`).to.equal([...imported].reduce((a, f) => a + ROWS.get(f)!, 0));
      covered.set(core, Number(core.store.getMeta('journal_seq') ?? 0));
      const action = random();
      if (action < 0.25 && imported.size < FILES.length) {
        const file = FILES.find((f) => !imported.has(f))!;
        const report = await core.importer.importPaths([file], { account: 'default' });
        expect(report.ok).to.equal(true);
        imported.add(file);
      }
      const live = 1 + Math.floor(random() * 5);
      for (let i = 0; i < live; i++) {
        t += 200_000 + Math.floor(random() * 100_000);
        const s = stream(++n, t);
        await core.ingest.record([s]);
        acknowledged.add(`${s.track.uri}@${s.ended_at}`);
      }
      if (random() < 0.2) await core.store.exclusive(() => core.store.compactNow('test'));
      covered.set(core, Number(core.store.getMeta('journal_seq') ?? 0));
      const end = random();
      if (end < 0.3) {
        if (random() < 0.5) await core.store.exclusive(() => core.store.compactNow('shutdown'));
        covered.set(core, Number(core.store.getMeta('journal_seq') ?? 0));
        await core.close(); // clean stop
        open = null;
        // Journal files the snapshot covers may be gone (deleted by a compaction, or by hand): the next
        // run must still number its files above the snapshot's sequence.
        if (random() < 0.5) {
          const covered = coveredSeq(core);
          for (const f of readdirSync(journalDir())) if (/^journal\.\d{8}\.jsonl$/.test(f) && Number(f.slice(8, 16)) <= covered) rmSync(path.join(journalDir(), f));
        }
      }
      else if (end < 0.6) {
        // A crash: nothing more reaches the disk. In-process that is a close without compaction (the
        // child-process tests in test/crash.test.ts SIGKILL for real).
        await core.close();
        open = null;
      }
    }
    if (open) await open.close();
    const last = await buildCore({ dataDir: tmp.dir });
    const total = last.store.sql.get<{ n: number }>("SELECT count(*) AS n FROM streams s JOIN tracks t ON t.id = s.track_id WHERE t.uri LIKE 'spotify:track:t%'")!.n;
    expect(total).to.equal(acknowledged.size);
    await last.close();
  });
});
