import { expect } from 'chai';
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { buildCore, stream } from '../support/core.js';
import { memoryLogger, quietLogger, tempDir } from '../support/helpers.js';
import { EXTENDED_DIR } from '../support/fixtures.js';
import { openJournal } from '../../src/store/journal.js';
import { TRAILER_BYTES } from '../../src/store/snapshot.js';

const T0 = Date.UTC(2026, 4, 1, 7);
const VIDEO = path.join(EXTENDED_DIR, 'efrrowini_Streaming_History_Video_2023.json'); // 16 rows
const AUDIO_2026 = path.join(EXTENDED_DIR, 'efrrowini_Streaming_History_Audio_2026.json'); // 2319 rows
const rowsOf = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as unknown[]).length;

describe('store: recovery is loud and loses nothing', function () {
  this.timeout(60_000);
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => { tmp = await tempDir(); });
  afterEach(async () => { await tmp.remove(); });
  const snapshot = () => path.join(tmp.dir, 'vibescope.db');
  const journalFile = () => {
    const files = readdirSync(path.join(tmp.dir, 'journal')).filter((f) => f.startsWith('journal.')).sort();
    return path.join(tmp.dir, 'journal', files.at(-1)!);
  };

  it('sets aside a journal line of the wrong shape, keeps the rest, and says so in the log and in health', async () => {
    const a = await buildCore({ dataDir: tmp.dir });
    await a.ingest.record([stream(1, T0)]);
    await a.close();
    // Valid JSON, wrong shape (ms_played a string), then a good line after it.
    const good = JSON.parse(readFileSync(journalFile(), 'utf8').trim());
    const bad = structuredClone(good); bad.records[0].ms_played = 'lots'; bad.records[0].ended_at = T0 + 600_000;
    const later = structuredClone(good); later.records[0].ended_at = T0 + 900_000; later.records[0].track.uri = 'spotify:track:t9';
    appendFileSync(journalFile(), `${JSON.stringify(bad)}\n${JSON.stringify({ v: 1, t: 'no.such.type' })}\n${JSON.stringify(later)}\n`);
    const { log, lines } = memoryLogger();
    const b = await buildCore({ dataDir: tmp.dir, log });
    expect(b.stats.summary({ from: 0, to: Date.now() }).plays).to.equal(2, 'the good lines on both sides are kept');
    expect(b.replayed.set_aside).to.equal(2);
    const aside = readFileSync(path.join(tmp.dir, 'journal', 'set-aside.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(aside.map((x) => JSON.parse(x.text).t)).to.deep.equal(['streams', 'no.such.type']);
    expect(aside[0].reason).to.match(/ms_played/);
    expect(lines.join('\n')).to.include('line set aside');
    const health = b.health.state();
    expect(health.status).to.equal('degraded');
    expect(health.problems.find((p) => p.id === 'journal.set_aside')?.message).to.match(/2 journal entries could not be replayed/);
    await b.close();
  });

  it('loops until every byte is written when write() is short', async () => {
    const journal = await openJournal(path.join(tmp.dir, 'journal'), quietLogger(), { floorSeq: 0 });
    await journal.append([{ v: 1, t: 'x', n: 0 }]); // opens the file
    // Make the file handle's write short: at most 7 bytes per call.
    const { open } = await import('node:fs/promises');
    const probe: FileHandle = await open(path.join(tmp.dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { write: (...a: unknown[]) => Promise<{ bytesWritten: number }> };
    await probe.close();
    const original = proto.write;
    let calls = 0;
    proto.write = function (this: FileHandle, buffer: unknown, offset?: unknown, length?: unknown, position?: unknown) {
      calls++;
      return original.call(this, buffer, offset, Math.min(Number(length), 7), position);
    };
    try {
      await journal.append([{ v: 1, t: 'x', n: 1, text: 'a line much longer than seven bytes' }]);
    } finally {
      proto.write = original;
    }
    await journal.close();
    const text = readFileSync(journalFile(), 'utf8');
    expect(text.trim().split('\n').map((l) => JSON.parse(l).n)).to.deep.equal([0, 1]);
    expect(calls).to.be.greaterThan(5, 'the append took several short writes');
  });

  it('never loads a 0-byte snapshot as an empty store and never rotates it over a good .prev', async () => {
    const a = await buildCore({ dataDir: tmp.dir, maxJournalRecords: 1 });
    await a.ingest.record([stream(1, T0)]);
    await a.ingest.record([stream(2, T0 + 300_000)]); // .prev holds play 1, the snapshot plays 1-2
    await a.close();
    const prev = readFileSync(`${snapshot()}.prev`);
    writeFileSync(snapshot(), '');
    const b = await buildCore({ dataDir: tmp.dir, maxJournalRecords: 1 });
    expect(b.store.recovery.loaded_from).to.equal('previous-snapshot');
    expect(b.stats.summary({ from: 0, to: Date.now() }).plays).to.equal(2, '.prev + journal');
    expect(b.health.state().problems.map((p) => p.id)).to.include('store.snapshot');
    await b.ingest.record([stream(3, T0 + 600_000)]); // a compaction: the empty file was moved aside, not kept as .prev
    await b.close();
    expect(readdirSync(tmp.dir).some((f) => f.startsWith('vibescope.db.corrupt-'))).to.equal(true);
    expect(readFileSync(`${snapshot()}.prev`).equals(prev)).to.equal(false, '.prev is now the good snapshot written after the recovery');
    const c = await buildCore({ dataDir: tmp.dir });
    expect(c.stats.summary({ from: 0, to: Date.now() }).plays).to.equal(3);
    await c.close();
  });

  it('catches a single flipped bit that PRAGMA quick_check cannot see', async () => {
    const a = await buildCore({ dataDir: tmp.dir, maxJournalRecords: 1 });
    await a.ingest.record([stream(1, T0)]);
    await a.ingest.record([stream(2, T0 + 300_000)]);
    await a.close();
    const bytes = readFileSync(snapshot());
    // Flip one bit in the last page of the SQLite part (row data, not a b-tree header).
    const at = bytes.length - TRAILER_BYTES - 100;
    bytes[at] = bytes[at]! ^ 0x01;
    writeFileSync(snapshot(), bytes);
    const b = await buildCore({ dataDir: tmp.dir });
    expect(b.store.recovery.loaded_from).to.equal('previous-snapshot');
    expect(b.stats.summary({ from: 0, to: Date.now() }).plays).to.equal(2);
    await b.close();
  });

  it('losing the newest snapshot loses no import made since the previous one', async () => {
    const a = await buildCore({ dataDir: tmp.dir });
    await a.importer.importPaths([VIDEO], { account: 'default' }); // snapshot 1
    await a.importer.importPaths([AUDIO_2026], { account: 'default' }); // snapshot 2; .prev = snapshot 1
    await a.close();
    rmSync(snapshot());
    const b = await buildCore({ dataDir: tmp.dir });
    expect(b.store.recovery.loaded_from).to.equal('previous-snapshot');
    const stored = b.store.sql.get<{ n: number }>('SELECT count(*) AS n FROM streams')!.n;
    expect(stored).to.equal(rowsOf(VIDEO) + rowsOf(AUDIO_2026));
    await b.close();
  });

  it('reports a damaged snapshot in health and keeps the damaged file as it was', async () => {
    const a = await buildCore({ dataDir: tmp.dir, maxJournalRecords: 1 });
    await a.ingest.record([stream(1, T0)]);
    await a.close();
    writeFileSync(snapshot(), Buffer.alloc(5000, 0x42));
    const b = await buildCore({ dataDir: tmp.dir });
    const problem = b.health.state().problems.find((p) => p.id === 'store.snapshot');
    expect(problem?.dismissible).to.equal(true);
    expect(problem?.message).to.not.match(/\//, 'no path in what the user reads');
    const moved = b.store.recovery.quarantined[0]!;
    expect(existsSync(moved)).to.equal(true);
    expect(readFileSync(moved).equals(Buffer.alloc(5000, 0x42))).to.equal(true);
    await b.close();
  });
});
