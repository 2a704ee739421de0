import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { zipSync } from 'fflate';
import { buildCore, stream } from '../support/core.js';
import { freePort, tempDir, waitFor } from '../support/helpers.js';
import { EXTENDED_DIR } from '../support/fixtures.js';
import type { JournalRecord } from '../../src/store/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const FILES = readdirSync(EXTENDED_DIR).filter((f) => f.endsWith('.json')).sort().map((f) => path.join(EXTENDED_DIR, f));
const ROWS = new Map(FILES.map((f) => [f, (JSON.parse(readFileSync(f, 'utf8')) as unknown[]).length]));
const T0 = Date.UTC(2026, 10, 1, 9);

describe('importers: durable per file, invisible until durable, never blocking live recording', function () {
  this.timeout(120_000);
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => { tmp = await tempDir(); });
  afterEach(async () => { await tmp.remove(); });

  it('never shows a row before its file is journaled (no dirty reads), and records live plays between batches', async () => {
    const core = await buildCore({ dataDir: tmp.dir });
    const journaled: number[] = [];
    const append = core.store.journalAppend;
    core.store.journalAppend = async (records: JournalRecord[]) => {
      await append(records);
      for (const r of records) if (r.t === 'import.file') journaled.push(ROWS.get(FILES.find((f) => r.name === f)!)!);
    };
    const count = () => core.store.sql.get<{ n: number }>('SELECT count(*) AS n FROM streams WHERE source = 4')!.n;
    let done = false;
    let worst = 0; // visible import rows beyond what is journaled, at the worst observation
    let observations = 0;
    const watch = (async () => {
      while (!done) {
        worst = Math.max(worst, count() - journaled.reduce((a, b) => a + b, 0));
        observations++;
        await new Promise((r) => setImmediate(r));
      }
    })();
    const imported = core.importer.importPaths(FILES, { account: 'default' });
    // A live play recorded while the import runs resolves before the import does.
    await waitFor(() => count() > 0, { what: 'the first import batch' });
    let liveDoneFirst = false;
    await core.ingest.record([stream(1, T0)]).then(() => { liveDoneFirst = !done; });
    const report = await imported;
    done = true;
    await watch;
    expect(report.ok).to.equal(true);
    expect(worst).to.equal(0, 'no import row was visible before its file was durable');
    expect(observations).to.be.greaterThan(10);
    expect(liveDoneFirst).to.equal(true, 'the live play did not wait for the whole import');
    expect(count()).to.equal([...ROWS.values()].reduce((a, b) => a + b, 0));
    await core.close();
  });

  it('keeps the files reported done when the server is killed in the middle of an import job', async () => {
    // Ten copies of the real files with shifted times, so the job takes a while.
    const src = path.join(tmp.dir, 'export');
    mkdirSync(src);
    const big = JSON.parse(readFileSync(FILES[0]!, 'utf8')) as { ts: string }[];
    const copies: string[] = [];
    for (let i = 0; i < 10; i++) {
      const shifted = big.map((r) => ({ ...r, ts: new Date(Date.parse(r.ts) - (i + 1) * 400 * 86_400_000).toISOString().replace('.000', '') }));
      const file = path.join(src, `Streaming_History_Audio_20${10 + i}.json`);
      writeFileSync(file, JSON.stringify(shifted));
      copies.push(file);
    }
    const dataDir = path.join(tmp.dir, 'data');
    const port = await freePort();
    const start = (): ChildProcess => spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', '--data-dir', dataDir, '--port', String(port)],
      { cwd: ROOT, stdio: 'ignore', env: { ...process.env, VIBESCOPE_OPTIONS_FILE: path.join(tmp.dir, 'none.json'), VIBESCOPE_LOG_LEVEL: 'warning' } });
    let child = start();
    const base = `http://127.0.0.1:${port}/api/v1`;
    await waitFor(async () => (await fetch(`${base}/health`)).ok, { timeoutMs: 60_000, what: 'server' });
    const form = new FormData();
    for (const f of copies) form.append('files', new Blob([readFileSync(f)]), path.basename(f));
    const { job_id } = await (await fetch(`${base}/imports`, { method: 'POST', body: form })).json() as { job_id: string };
    const progress = await waitFor(async () => {
      const job = await (await fetch(`${base}/imports/${job_id}`)).json() as { files_done: number; state: string };
      return job.files_done >= 2 ? job : null;
    }, { timeoutMs: 60_000, intervalMs: 5, what: 'two files done' });
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(progress.state).to.equal('running', 'killed mid-job');
    child = start();
    try {
      const health = await waitFor(async () => (await fetch(`${base}/health`)).json() as Promise<any>, { timeoutMs: 60_000, what: 'server after the kill' });
      const stored = health.store.totals[0]?.streams ?? 0;
      const perFile = big.length;
      expect(stored).to.be.at.least(progress.files_done * perFile, 'every file reported done is kept');
      expect(stored % perFile).to.equal(0, 'each file whole or not at all');
      expect(existsSync(path.join(dataDir, 'uploads')) ? readdirSync(path.join(dataDir, 'uploads')) : []).to.deep.equal([], 'uploads of the dead job are removed at start-up');
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });

  it('refuses a zip bomb whatever its header claims, with a sentence and bounded memory', async () => {
    // 100 MB of spaces in one entry compress to ~100 KB; the local header is patched to claim 1 KB.
    const huge = new Uint8Array(100 * 1024 * 1024).fill(0x20);
    huge[0] = 0x5b; // '['
    const zip = Buffer.from(zipSync({ 'Spotify Extended Streaming History/Streaming_History_Audio_2024_0.json': [huge, { level: 6 }] }));
    zip.writeUInt32LE(1024, 22); // local file header: uncompressed size
    const file = path.join(tmp.dir, 'my_spotify_data.zip');
    writeFileSync(file, zip);
    const core = await buildCore({ dataDir: tmp.dir, maxFileBytes: 32 * 1024 * 1024 });
    const { importer } = core;
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 5);
    const report = await importer.importPaths([file], { account: 'default' });
    clearInterval(sampler);
    expect(report.ok).to.equal(false);
    expect(report.files[0]!.error).to.match(/larger than 32 MB once unpacked/);
    expect(core.store.sql.get<{ n: number }>('SELECT count(*) AS n FROM streams')!.n).to.equal(0);
    expect(readdirSync(path.join(tmp.dir, 'journal', 'staged'))).to.deep.equal([], 'no staged copy left');
    expect((peak - rssBefore) / 1024 / 1024).to.be.below(150, 'memory stays bounded while inflating');
    await core.close();
  });
  it('stages the next file while one is applied, and removes that copy when the job stops before it', async () => {
    const core = await buildCore({ dataDir: tmp.dir });
    const stagedDir = path.join(tmp.dir, 'journal', 'staged');
    const staged = () => (existsSync(stagedDir) ? readdirSync(stagedDir).filter((f) => f.endsWith('.data')) : []);
    let seenWhileApplying = 0;
    let stagedAtJournalLine = -1;
    const append = core.store.journalAppend;
    let lines = 0;
    core.store.journalAppend = async (records: JournalRecord[]) => {
      await append(records);
      if (records.some((r) => r.t === 'import.file') && ++lines === 2) stagedAtJournalLine = staged().length;
    };
    const applyImported = core.ingest.applyImported;
    let applied = 0;
    core.ingest.applyImported = async (records) => {
      // The second file is journaled and about to be applied: the third is being staged meanwhile.
      if (++applied === 2) {
        await waitFor(() => staged().length === 3, { what: 'the third file staged while the second is applied' });
        seenWhileApplying = staged().length;
        void core.importer.stop();
      }
      return applyImported(records);
    };
    const report = await core.importer.importPaths(FILES.slice(0, 3), { account: 'default' });
    expect(stagedAtJournalLine).to.equal(2, 'the third file is staged only once the second one\'s journal line is written');
    expect(seenWhileApplying).to.equal(3);
    expect(report.files.map((f) => f.error === null)).to.deep.equal([true, true, false]);
    expect(report.files[2]!.error).to.match(/Vibescope was stopping/);
    expect(staged(), 'only the two journaled copies are left').to.have.length(2);
    const journal = readdirSync(path.join(tmp.dir, 'journal')).filter((f) => f.endsWith('.jsonl'))
      .map((f) => readFileSync(path.join(tmp.dir, 'journal', f), 'utf8')).join('');
    for (const f of staged()) expect(journal).to.include(`staged/${f}`);
    await core.close();
  });
});
