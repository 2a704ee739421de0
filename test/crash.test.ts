import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openTokenStore } from '../src/spotify/index.js';
import { startFakeSpotify, playerState, trackObject, type FakeSpotify } from './support/fake-spotify.js';
import { freePort, tempDir, waitFor, rng } from './support/helpers.js';
import { EXTENDED_DIR } from './support/fixtures.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CYCLES = 16;

/**
 * The restart matrix: a data folder that already holds an import and compactions, then cycles of
 * serve → sync and/or an uploaded import → SIGTERM or SIGKILL at a random moment (mid-sync, mid-import,
 * mid-snapshot: compaction runs every 10 journal records, even during the replay at start-up) → serve.
 * After every restart every acknowledged stream is there exactly once, and every import file the job
 * reported done is there whole.
 */
describe('crash safety: restarts and SIGKILL at random moments lose no acknowledged stream and duplicate none', function () {
  this.timeout(300_000);
  let fake: FakeSpotify;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let child: ChildProcess | null = null;
  let output = '';

  before(async () => { fake = await startFakeSpotify(); tmp = await tempDir(); });
  after(async () => { child?.kill('SIGKILL'); await fake.close(); await tmp.remove(); });

  const env = () => ({ ...process.env, VIBESCOPE_DATA_DIR: path.join(tmp.dir, 'data'), VIBESCOPE_CLIENT_ID: 'crash-test',
    VIBESCOPE_SPOTIFY_API_URL: fake.apiUrl, VIBESCOPE_SPOTIFY_ACCOUNTS_URL: fake.accountsUrl, VIBESCOPE_LOG_LEVEL: 'warning',
    VIBESCOPE_SNAPSHOT_MAX_JOURNAL_RECORDS: '10', VIBESCOPE_OPTIONS_FILE: path.join(tmp.dir, 'no-options.json') });

  function startChild(port: number): ChildProcess {
    const proc = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'cli.ts'), 'serve', '--port', String(port)],
      { cwd: ROOT, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stderr!.on('data', (chunk) => { output += String(chunk); });
    proc.stdout!.on('data', (chunk) => { output += String(chunk); });
    proc.on('exit', (code, signal) => { output += `[exit ${code} ${signal}]\n`; });
    return proc;
  }
  const exited = (p: ChildProcess) => new Promise<void>((resolve) => { if (p.exitCode !== null || p.signalCode) resolve(); else p.once('exit', () => resolve()); });

  /** An export file of `rows` plays of tracks only this file has (so the test can count them). */
  function exportFile(tag: string, rows: number, from: number): string {
    const base = JSON.parse(readFileSync(path.join(EXTENDED_DIR, 'efrrowini_Streaming_History_Audio_2026.json'), 'utf8'))[0];
    const data = Array.from({ length: rows }, (_, i) => ({ ...base, ts: new Date(from + i * 240_000).toISOString().replace('.000', ''), ms_played: 200_000,
      spotify_track_uri: `spotify:track:${tag}${String(i).padStart(6, '0')}`, master_metadata_track_name: `${tag} ${i}` }));
    const file = path.join(tmp.dir, `Streaming_History_Audio_${tag}.json`);
    writeFileSync(file, JSON.stringify(data));
    return file;
  }

  it(`survives ${CYCLES} cycles of SIGTERM and kill -9 during syncs, imports, snapshots and replays`, async () => {
    const random = rng(20261201);
    // A data folder that already holds an import and its compaction.
    const seed = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'import', path.join(EXTENDED_DIR, 'efrrowini_Streaming_History_Video_2023.json')],
      { cwd: ROOT, env: env(), encoding: 'utf8', timeout: 120_000 });
    expect(seed.status, `${seed.error?.message ?? ''}\n${seed.stdout}${seed.stderr}`).to.equal(0);
    const tokens = await openTokenStore(path.join(tmp.dir, 'data'));
    const grant = fake.grant();
    await tokens.updateAccount('default', { tokens: { access_token: grant.access_token, refresh_token: grant.refresh_token,
      expires_at: Date.now() + 3_600_000, scope: '' } });
    const acknowledged = new Set<string>();
    const importsDone = new Map<string, number>(); // tag → rows, for jobs that reported the file done
    let n = 0;
    let t = Date.now() - 8 * 3_600_000;
    let checks = 0;
    for (let cycle = 0; cycle <= CYCLES; cycle++) {
      const last = cycle === CYCLES;
      for (let i = 0; i < 4; i++) { t += 200_000; fake.state.recent.push({ track: trackObject(++n, 190_000), played_at: new Date(t).toISOString() }); }
      const port = await freePort();
      child = startChild(port);
      const base = `http://127.0.0.1:${port}/api/v1`;
      if (!last && random() < 0.15) {
        // Killed during start-up: the replay and its compaction may be half done.
        await new Promise((r) => setTimeout(r, 300 + Math.floor(random() * 1200)));
        child.kill('SIGKILL');
        await exited(child);
        continue;
      }
      await waitFor(async () => (await fetch(`${base}/health`)).ok, { timeoutMs: 30_000, what: () => `child health (output: ${output.slice(-2000)})` });
      // Everything acknowledged so far is there, once.
      const page = await (await fetch(`${base}/streams?limit=500&kind=all`)).json() as { streams: { track_uri: string; ended_at: number }[] };
      const keys = page.streams.map((s) => `${s.track_uri}@${s.ended_at}`);
      for (const key of acknowledged) expect(keys.filter((k) => k === key), `cycle ${cycle}: ${key}`).to.have.length(1);
      for (const [tag, rows] of importsDone) {
        const r = await (await fetch(`${base}/streams?limit=500&kind=all&q=${encodeURIComponent(tag)}`)).json() as { streams: unknown[] };
        expect(r.streams.length, `cycle ${cycle}: import ${tag}`).to.equal(rows);
      }
      expect(new Set(keys).size).to.equal(keys.length, `cycle ${cycle}: no stream twice`);
      checks++;
      const doImport = !last && random() < 0.4;
      let job: Promise<string | null> = Promise.resolve(null);
      if (doImport) {
        const tag = `imp${cycle}x`;
        const rows = 200 + Math.floor(random() * 250); // under the 500 a page holds
        const file = exportFile(tag, rows, Date.now() - (cycle + 20) * 86_400_000);
        const form = new FormData();
        form.append('files', new Blob([readFileSync(file)]), path.basename(file));
        job = fetch(`${base}/imports`, { method: 'POST', body: form }).then((r) => r.json()).then(async (body: any) => {
          const done = await waitFor(async () => { const j = await (await fetch(`${base}/imports/${body.job_id}`)).json() as any; return j.state !== 'running' ? j : null; },
            { timeoutMs: 30_000, intervalMs: 10, what: 'import job' });
          if (done.files_done >= 1 && done.state === 'done') importsDone.set(tag, rows);
          return tag;
        }).catch(() => null);
      }
      fake.state.player = playerState(trackObject(1000 + cycle, 200_000, `Skip ${cycle}`), 2_000);
      await fetch(`${base}/accounts/default/sync`, { method: 'POST' }).catch(() => null);
      fake.state.player = playerState(trackObject(2000 + cycle, 200_000, `After ${cycle}`), 1_000);
      const sync = fetch(`${base}/accounts/default/sync`, { method: 'POST' }).then((r) => r.json()).catch(() => null);
      if (!last && random() < 0.5) {
        await new Promise((r) => setTimeout(r, Math.floor(random() * 60)));
        child.kill('SIGKILL'); // mid-sync, maybe mid-journal-write, mid-import, mid-snapshot
      } else {
        await Promise.all([sync, job]);
        const after = await (await fetch(`${base}/streams?limit=500&kind=all`)).json() as { streams: { track_uri: string; ended_at: number }[] };
        for (const s of after.streams) if (s.track_uri.startsWith('spotify:track:track')) acknowledged.add(`${s.track_uri}@${s.ended_at}`);
        child.kill(last ? 'SIGTERM' : random() < 0.5 ? 'SIGTERM' : 'SIGKILL');
      }
      await exited(child);
      if (last) expect(child.exitCode).to.equal(0, 'SIGTERM exits 0');
    }
    // One more start: every play Spotify listed arrived exactly once (a cursor never moved past an unstored play).
    const port = await freePort();
    child = startChild(port);
    const base = `http://127.0.0.1:${port}/api/v1`;
    await waitFor(async () => (await fetch(`${base}/health`)).ok, { timeoutMs: 30_000, what: () => `final start (output: ${output.slice(-2000)})` });
    await fetch(`${base}/accounts/default/sync`, { method: 'POST' });
    const final = await (await fetch(`${base}/streams?limit=500&kind=all`)).json() as { streams: { track_uri: string }[] };
    const byTrack = new Map<string, number>();
    for (const s of final.streams) byTrack.set(s.track_uri, (byTrack.get(s.track_uri) ?? 0) + 1);
    for (const item of fake.state.recent) expect(byTrack.get(item.track.uri), `${item.track.uri} stored once`).to.equal(1);
    child.kill('SIGTERM');
    await exited(child);
    child = null;
    expect(checks).to.be.greaterThan(CYCLES / 2);
    expect(acknowledged.size).to.be.greaterThan(CYCLES, 'the test saw acknowledged streams');
    expect(importsDone.size).to.be.greaterThan(0, 'the test saw imports finish');
  });
});
