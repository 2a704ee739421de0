import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '../../src/config/index.js';
import { startVibescope } from '../../src/main.js';
import { createBackups } from '../../src/exports/index.js';
import { acquireDataLock } from '../../src/store/index.js';
import { buildCore, stream } from '../support/core.js';
import { EXTENDED_DIR, ACCOUNT_DIR, FIXTURES } from '../support/fixtures.js';
import { quietLogger, tempDir, waitFor } from '../support/helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
function vibescope(args: string[]) {
  const res = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'cli.ts'), ...args], {
    cwd: ROOT, encoding: 'utf8', env: { ...process.env, VIBESCOPE_OPTIONS_FILE: '/nonexistent/options.json', VIBESCOPE_TIMEZONE: 'Europe/Berlin' }, timeout: 90_000,
  });
  return { code: res.status, out: res.stdout, err: res.stderr };
}

/** Every /stats answer the panel shows, all time and for one month. */
function answers(core: Awaited<ReturnType<typeof buildCore>>) {
  const all = { from: 0, to: Date.UTC(2030, 0, 1) };
  const month = { from: Date.UTC(2024, 9, 1), to: Date.UTC(2024, 10, 1) - 1 };
  return {
    summary: core.stats.summary(all), month: core.stats.summary(month),
    tracks: core.stats.top('tracks', all, 50, 'plays'), artists: core.stats.top('artists', all, 50, 'ms'), albums: core.stats.top('albums', month, 20, 'plays'),
    heatmap: core.stats.heatmap(all, 'Europe/Berlin'), timeline: core.stats.timeline(all, 'month'), sessions: core.stats.sessions(month, 100),
    skips: core.stats.skips(all, 20), discoveries: core.stats.discoveries(month), totals: core.stats.totals(),
    streams: core.stats.streams({ ...all, limit: 200 }),
  };
}

describe('exports: backup and restore', function () {
  this.timeout(180_000);
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => { tmp = await tempDir(); });
  afterEach(async () => { await tmp.remove(); });
  const log = quietLogger();

  /** A data folder with imports (snapshotted), a scrobble file and live plays still only in the journal. */
  async function history(dataDir: string) {
    const core = await buildCore({ dataDir, timeZone: 'Europe/Berlin' });
    await core.importer.importPaths([path.join(EXTENDED_DIR, 'mica92_Streaming_History_Audio_2024_4.json'),
      path.join(ACCOUNT_DIR, 'erin_StreamingHistory_music_1.json'), path.join(FIXTURES, 'listenbrainz', 'maloja.json')], { account: 'default' });
    await core.ingest.record([stream(1, Date.UTC(2024, 9, 20, 18)), stream(2, Date.UTC(2024, 9, 20, 18, 4))]);
    const before = answers(core);
    expect(core.store.journalPending).to.be.greaterThan(0, 'the live plays are only in the journal');
    await core.close();
    return before;
  }
  const restoreOpen = async (dir: string) => {
    const core = await buildCore({ dataDir: dir, timeZone: 'Europe/Berlin', readOnly: true });
    try {
      const totals = core.stats.totals();
      return { streams: totals.reduce((a, t) => a + t.streams, 0), plays: totals.reduce((a, t) => a + t.plays, 0), accounts: totals.map((t) => t.account) };
    } finally { await core.close(); }
  };

  it('backup → restore into an empty folder gives identical /stats answers (the archive is 0600)', async () => {
    const a = path.join(tmp.dir, 'a');
    const before = await history(a);
    const file = path.join(tmp.dir, 'vibescope.tar.gz');
    const lock = await acquireDataLock(a, () => ({ pid: process.pid, port: null, version: 'test' }));
    await createBackups({ dataDir: a, log }).backupToFile(file);
    await lock.release();
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    const b = path.join(tmp.dir, 'b');
    const restored = await createBackups({ dataDir: b, log }).restore(file, { open: restoreOpen });
    expect(restored.streams).to.equal(before.totals[0]!.streams);
    const core = await buildCore({ dataDir: b, timeZone: 'Europe/Berlin' });
    try { expect(answers(core)).to.deep.equal(before); } finally { await core.close(); }
    expect(readdirSync(b).filter((f) => f.startsWith('restore.tmp'))).to.deep.equal([]);
  });

  it('a running server writes the archive itself (POST /api/v1/backup), snapshot first; the restore answers the same', async () => {
    const a = path.join(tmp.dir, 'a');
    const before = await history(a);
    const app = await startVibescope({ config: parseConfig({ metadata_enrichment: false, data_dir: a, timezone: 'Europe/Berlin' }), addon: false, log, version: 'test', port: 0 });
    const file = path.join(tmp.dir, 'from-server.tar.gz');
    try {
      const res = await fetch(`http://127.0.0.1:${app.port}/api/v1/backup`, { method: 'POST' });
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.equal('application/gzip');
      writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    } finally { await app.stop(); }
    await waitFor(() => !existsSync(path.join(a, 'backup.tmp')) || readdirSync(path.join(a, 'backup.tmp')).length === 0, { what: 'the linked copy removed' });
    const b = path.join(tmp.dir, 'b');
    await createBackups({ dataDir: b, log }).restore(file, { open: restoreOpen });
    const core = await buildCore({ dataDir: b, timeZone: 'Europe/Berlin' });
    try { expect(answers(core)).to.deep.equal(before); } finally { await core.close(); }
  });

  it('restore refuses a folder that holds history without --force, and a damaged archive; nothing is changed', async () => {
    const a = path.join(tmp.dir, 'a');
    await history(a);
    const file = path.join(tmp.dir, 'vibescope.tar.gz');
    await createBackups({ dataDir: a, log }).backupToFile(file);
    const target = path.join(tmp.dir, 'c');
    const other = await buildCore({ dataDir: target, timeZone: 'Europe/Berlin' });
    await other.importer.importPaths([path.join(EXTENDED_DIR, 'efrrowini_Streaming_History_Audio_2026.json')], { account: 'default' });
    const otherTotals = other.stats.totals();
    await other.close();
    const backups = createBackups({ dataDir: target, log });
    let err = await backups.restore(file, { open: restoreOpen }).then(() => null, (e: Error) => e);
    expect(err?.message).to.match(/already holds listening history.*--force/);

    // A byte flipped inside a file (the gzip stays readable): the manifest's checksum catches it.
    const { gunzipSync, gzipSync } = await import('node:zlib');
    const tar = gunzipSync(readFileSync(file));
    const at = tar.indexOf(Buffer.from('SQLite format 3'));
    tar[at + 5000] = tar[at + 5000]! ^ 0xff;
    const damaged = path.join(tmp.dir, 'damaged.tar.gz');
    writeFileSync(damaged, gzipSync(tar));
    err = await backups.restore(damaged, { force: true, open: restoreOpen }).then(() => null, (e: Error) => e);
    expect(err?.message).to.match(/damaged \(vibescope\.db does not match its checksum\); nothing was changed/);
    writeFileSync(damaged, readFileSync(file).subarray(0, 2000));
    err = await backups.restore(damaged, { force: true, open: restoreOpen }).then(() => null, (e: Error) => e);
    expect(err?.message).to.match(/not a readable Vibescope backup .*nothing was changed/);
    let core = await buildCore({ dataDir: target, timeZone: 'Europe/Berlin' });
    expect(core.stats.totals()).to.deep.equal(otherTotals);
    await core.close();

    const done = await backups.restore(file, { force: true, open: restoreOpen });
    expect(done.moved_aside).to.be.a('string');
    expect(readdirSync(done.moved_aside!)).to.include('vibescope.db');
    core = await buildCore({ dataDir: target, timeZone: 'Europe/Berlin' });
    expect(core.stats.totals()).to.not.deep.equal(otherTotals);
    await core.close();
  });

  it('backup_pre holds writes after a snapshot until backup_post; a live play waits and is then recorded', async () => {
    const a = path.join(tmp.dir, 'a');
    await history(a);
    const core = await buildCore({ dataDir: a, timeZone: 'Europe/Berlin' });
    const backups = createBackups({ dataDir: a, store: core.store, log, health: core.health });
    try {
      await backups.pause(60_000);
      expect(core.health.state().problems.map((p) => p.id)).to.include('backup');
      expect(core.store.journalPending).to.equal(0, 'a snapshot was written before the pause');
      let done = false;
      const recording = core.ingest.record([stream(9, Date.UTC(2024, 9, 21, 9))]).then((r) => { done = true; return r; });
      await new Promise((r) => setImmediate(r));
      expect(done).to.equal(false);
      backups.resume();
      expect((await recording).inserted).to.have.length(1);
      expect(core.health.state().problems.map((p) => p.id)).to.not.include('backup');
      // A backup_post that never comes: writes resume by themselves.
      await backups.pause(1000);
      const late = await core.ingest.record([stream(10, Date.UTC(2024, 9, 21, 10))]);
      expect(late.inserted).to.have.length(1);
      expect(core.health.state().problems.find((p) => p.id === 'backup')?.code).to.equal('BACKUP_TIMEOUT');
    } finally { backups.stop(); await core.close(); }
  });

  it('the CLI: vibescope backup, restore (refusing, then --force) and export', async () => {
    const a = path.join(tmp.dir, 'a');
    const before = await history(a);
    const file = path.join(tmp.dir, 'cli.tar.gz');
    const made = vibescope(['backup', file, '--data-dir', a]);
    expect(made.code, made.err).to.equal(0);
    expect(made.out).to.match(/^Backup written to .*cli\.tar\.gz: \d+ files/);
    const b = path.join(tmp.dir, 'b');
    const restored = vibescope(['restore', file, '--data-dir', b]);
    expect(restored.code, restored.err).to.equal(0);
    expect(restored.out).to.include(`${before.totals[0]!.streams} streams (${before.totals[0]!.plays} plays)`);
    const again = vibescope(['restore', file, '--data-dir', b]);
    expect(again.code).to.equal(1);
    expect(again.err).to.match(/already holds listening history/);
    expect(vibescope(['restore', file, '--data-dir', b, '--force']).code).to.equal(0);
    const csv = path.join(tmp.dir, 'out.csv');
    const exported = vibescope(['export', '--format', 'csv', '--data-dir', b, '--out', csv]);
    expect(exported.code, exported.err).to.equal(0);
    expect(readFileSync(csv, 'utf8').trim().split('\r\n')).to.have.length(1 + before.totals[0]!.streams);
    expect(statSync(csv).mode & 0o777).to.equal(0o600);
  });
});

