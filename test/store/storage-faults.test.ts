import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCore, stream } from '../support/core.js';
import { mountTmpfs } from '../support/tmpfs.js';
import { freePort, waitFor } from '../support/helpers.js';
import { buildSpotifyApp } from '../support/spotify-app.js';
import { trackObject } from '../support/fake-spotify.js';
import { EXTENDED_DIR } from '../support/fixtures.js';
import { StorageError } from '../../src/errors.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const T0 = Date.UTC(2026, 6, 1, 9);
const BIG = path.join(EXTENDED_DIR, 'efrrowini_Streaming_History_Audio_2024.json');

/** Every file under `dir`, recursively, relative. */
function listAll(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() || e.isSocket())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort();
}
/** Every journal line parses: a failed append left no half line behind. */
function journalLinesParse(dataDir: string): number {
  let n = 0;
  for (const f of readdirSync(path.join(dataDir, 'journal')).filter((x) => x.startsWith('journal.'))) {
    for (const line of readFileSync(path.join(dataDir, 'journal', f), 'utf8').split('\n')) if (line) { JSON.parse(line); n++; }
  }
  return n;
}
const SENTENCE = /^[A-Z][^/\n]*\.( [A-Z][^/\n]*\.)*$/; // sentences, no path, no stack

describe('store: a full, read-only or size-limited disk (a real tmpfs)', function () {
  this.timeout(60_000);
  let disk: ReturnType<typeof mountTmpfs>;
  beforeEach(() => { disk = mountTmpfs(4096); });
  afterEach(() => { disk.unmount(); });

  it('refuses a live stream on a full disk with a sentence, stores nothing of it, truncates the journal, and recovers when space returns', async () => {
    const core = await buildCore({ dataDir: disk.dir });
    await core.ingest.record([stream(1, T0)]);
    const filler = disk.fill(0);
    let error: unknown;
    const big = Array.from({ length: 40 }, (_, i) => stream(100 + i, T0 + (i + 1) * 300_000));
    try { await core.ingest.record(big); } catch (err) { error = err; }
    expect(error).to.be.instanceOf(StorageError);
    expect((error as StorageError).code).to.equal('STORAGE_FULL');
    expect((error as StorageError).status).to.equal(507);
    expect((error as StorageError).message).to.match(SENTENCE).and.match(/full/);
    expect(core.stats.summary({ from: 0, to: Date.now() }).plays).to.equal(1, 'nothing of the refused batch is visible');
    expect(journalLinesParse(disk.dir)).to.equal(1, 'the failed append left no partial line');
    const state = core.health.state();
    expect(state.status).to.equal('degraded');
    expect(state.problems.map((p) => p.id)).to.include('storage');
    unlinkSync(filler);
    await core.ingest.record(big);
    await core.store.exclusive(() => core.store.compactNow('test'));
    expect(core.health.state().status).to.equal('ok', 'a successful snapshot clears the storage problem');
    expect(core.stats.summary({ from: 0, to: Date.now() }).plays).to.equal(41);
    await core.close();
    const again = await buildCore({ dataDir: disk.dir });
    expect(again.stats.summary({ from: 0, to: Date.now() }).plays).to.equal(41);
    await again.close();
  });

  it('fails an import on a full disk: a sentence, nothing of the file stored (now or after a restart), no temp file left', async () => {
    const core = await buildCore({ dataDir: disk.dir });
    await core.ingest.record([stream(1, T0)]);
    const before = listAll(disk.dir);
    disk.fill(512 * 1024, 'filler.bin'); // room for the journal, not for a 2.5 MB export file
    const report = await core.importer.importPaths([BIG], { account: 'default' });
    expect(report.ok).to.equal(false);
    expect(report.error).to.match(/full/).and.not.match(/\/tmp|\/work|at .*\(/);
    expect(core.stats.summary({ from: 0, to: Date.now() }).streams).to.equal(1);
    expect(listAll(disk.dir).filter((f) => f !== 'filler.bin')).to.deep.equal(before, 'no staged copy, no temp file');
    expect(core.health.state().problems.map((p) => p.id)).to.include('import');
    await core.close();
    const again = await buildCore({ dataDir: disk.dir });
    expect(again.stats.summary({ from: 0, to: Date.now() }).streams).to.equal(1, 'nothing of the failed import after a restart');
    await again.close();
  });

  it('keeps every stream when the snapshot cannot be written, and has them all after a restart', async () => {
    const core = await buildCore({ dataDir: disk.dir, maxJournalRecords: 1000 });
    await core.importer.importPaths([path.join(EXTENDED_DIR, 'efrrowini_Streaming_History_Video_2023.json')], { account: 'default' });
    for (let i = 0; i < 5; i++) await core.ingest.record([stream(i, T0 + i * 300_000)]);
    const snapshotSize = statSync(path.join(disk.dir, 'vibescope.db')).size;
    const filler = disk.fill(Math.floor(snapshotSize / 2));
    let error: unknown;
    try { await core.store.exclusive(() => core.store.compactNow('test')); } catch (err) { error = err; }
    expect(error).to.be.instanceOf(StorageError);
    expect(listAll(disk.dir).some((f) => f.endsWith('.tmp'))).to.equal(false, 'no temp snapshot left');
    expect(core.health.state().status).to.equal('degraded');
    await core.close();
    unlinkSync(filler);
    const again = await buildCore({ dataDir: disk.dir });
    expect(again.stats.summary({ from: 0, to: Date.now() }).streams).to.equal(16 + 5);
    await again.close();
  });

  it('says so in a sentence when the disk is read-only (a card the system switched to read-only)', async () => {
    const first = await buildCore({ dataDir: disk.dir });
    await first.ingest.record([stream(1, T0)]);
    await first.close();
    disk.readOnly(); // a remount needs no file open for writing: between runs, as after a reboot
    const core = await buildCore({ dataDir: disk.dir });
    expect(core.stats.summary({ from: 0, to: Date.now() }).plays).to.equal(1, 'what was stored is still readable');
    let error: unknown;
    try { await core.ingest.record([stream(2, T0 + 300_000)]); } catch (err) { error = err; }
    expect((error as StorageError).code).to.equal('STORAGE_READ_ONLY');
    expect((error as StorageError).status).to.equal(503);
    expect((error as StorageError).message).to.match(SENTENCE).and.match(/read-only/);
    const report = await core.importer.importPaths([BIG], { account: 'default' });
    expect(report.ok).to.equal(false);
    expect(report.error).to.match(/read-only/);
    expect(core.health.state().problems.map((p) => p.id)).to.include('storage');
    await core.close();
    // The server itself starts and serves the history read-only, its health saying why in a sentence.
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', '--data-dir', disk.dir, '--port', String(port)],
      { cwd: ROOT, stdio: 'ignore', env: { ...process.env, VIBESCOPE_OPTIONS_FILE: path.join(ROOT, 'no-such-options.json'), VIBESCOPE_LOG_LEVEL: 'fatal' } });
    try {
      const health = await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/api/v1/health`)).json() as Promise<any>, { timeoutMs: 20_000, what: 'health' });
      expect(health.status).to.equal('degraded');
      expect(health.problems[0].message).to.match(/read-only/).and.match(SENTENCE);
      expect(health.store.totals[0].plays).to.equal(1);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    disk.readOnly(false);
  });

  it('keeps a poll that could not store its plays visible: a later successful poll does not hide it, and nothing is lost', async () => {
    const app = await buildSpotifyApp({ dataDir: disk.dir });
    try {
      await app.connect();
      const t = Date.now() - 3_600_000;
      app.fake.state.recent.push(...Array.from({ length: 30 }, (_, i) => ({ track: trackObject(500 + i), played_at: new Date(t + i * 60_000).toISOString() })));
      const filler = disk.fill(0);
      const failed = await app.spotify.syncNow('default');
      expect(failed.state).to.equal('error');
      expect(failed.last_error).to.match(/full/);
      expect(app.tokens.account('default').cursor_after).to.equal(null, 'the cursor did not move past plays that were not stored');
      const again = await app.spotify.syncNow('default'); // Spotify answers fine; the disk is still full
      expect(again.state).to.equal('error', 'a later success at Spotify does not overwrite the storage failure');
      unlinkSync(filler);
      const ok = await app.spotify.syncNow('default');
      await waitFor(() => !app.core.health.has('storage'), { what: 'storage problem cleared by a snapshot' });
      const after = await app.spotify.syncNow('default');
      expect(after.state).to.equal('ok');
      expect(ok.last_error === null || after.last_error === null).to.equal(true);
      expect(app.core.stats.summary({ from: 0, to: Date.now() }).plays).to.equal(30, 'every play arrived once the disk had room');
    } finally { await app.close(); }
  });

  it('names the file-size limit when a write passes it (EFBIG, ulimit -f in a child process)', () => {
    const dataDir = path.join(disk.dir, 'data');
    cpSync(BIG, path.join(disk.dir, 'Streaming_History_Audio_2024.json'));
    // 1 MB limit: the 2.5 MB file cannot be staged.
    const res = spawnSync('bash', ['-c', `ulimit -f 1024; exec "${process.execPath}" --import tsx src/cli.ts import "${path.join(disk.dir, 'Streaming_History_Audio_2024.json')}" --data-dir "${dataDir}"`],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, VIBESCOPE_OPTIONS_FILE: path.join(disk.dir, 'none.json') } });
    expect(res.status).to.equal(1);
    expect(res.stdout).to.match(/file-size limit/);
    expect(res.stdout + res.stderr).to.not.match(/\n\s+at /, 'no stack trace');
    expect(listAll(dataDir).filter((f) => f.endsWith('.tmp') || f.includes('staged/'))).to.deep.equal([]);
    rmSync(dataDir, { recursive: true, force: true });
  });
});
