import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openTokenStore, PLAYLIST_SCOPES, SCOPES } from '../../src/spotify/index.js';
import { startFakeSpotify, type FakeSpotify } from '../support/fake-spotify.js';
import { EXTENDED_DIR } from '../support/fixtures.js';
import { freePort, tempDir, waitFor } from '../support/helpers.js';
import { catalogFromRows, historyRows } from './harness.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const FILE = path.join(EXTENDED_DIR, 'efrrowini_Streaming_History_Audio_2024.json');

describe('playlists: a run killed mid-way (SIGKILL) is failed after the restart; the previous playlist stays', function () {
  this.timeout(180_000);
  let fake: FakeSpotify;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let child: ChildProcess | null = null;
  let output = '';

  const env = () => ({ ...process.env, VIBESCOPE_DATA_DIR: tmp.dir, VIBESCOPE_CLIENT_ID: 'crash-test', VIBESCOPE_SPOTIFY_API_URL: fake.apiUrl,
    VIBESCOPE_SPOTIFY_ACCOUNTS_URL: fake.accountsUrl, VIBESCOPE_LOG_LEVEL: 'warning', VIBESCOPE_TIMEZONE: 'UTC', VIBESCOPE_VIBE_PLAYLISTS: 'true',
    VIBESCOPE_VIBE_PLAYLIST_SIZE: '15', VIBESCOPE_VIBE_M3U_DIR: path.join(tmp.dir, 'm3u'), VIBESCOPE_OPTIONS_FILE: path.join(tmp.dir, 'no-options.json') });
  /** Runs the CLI without blocking this process (the fake Spotify lives here and must keep answering). */
  function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
    const proc = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'cli.ts'), ...args], { cwd: ROOT, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = ''; let stderr = '';
    proc.stdout.on('data', (c) => { stdout += String(c); });
    proc.stderr.on('data', (c) => { stderr += String(c); });
    return new Promise((resolve) => proc.once('close', (status) => resolve({ status, stdout, stderr })));
  }

  async function startChild(): Promise<string> {
    const port = await freePort();
    child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'cli.ts'), 'serve', '--port', String(port)], { cwd: ROOT, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (c) => { output += String(c); });
    child.stderr!.on('data', (c) => { output += String(c); });
    const base = `http://127.0.0.1:${port}/api/v1`;
    await waitFor(async () => (await fetch(`${base}/health`)).ok, { timeoutMs: 30_000, what: () => `server health (output: ${output.slice(-2000)})` });
    return base;
  }
  async function exited(proc: ChildProcess): Promise<void> {
    if (proc.exitCode !== null || proc.signalCode) return;
    await new Promise((resolve) => proc.once('exit', resolve));
  }
  async function runToEnd(base: string, body: Record<string, unknown>) {
    const started = await fetch(`${base}/playlists/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(started.status, await started.clone().text()).to.equal(202);
    const { id } = await started.json() as { id: number };
    return waitFor(async () => { const run = await (await fetch(`${base}/playlists/runs/${id}`)).json() as any; return run.status !== 'running' ? run : null; },
      { timeoutMs: 60_000, what: `run ${id} to end` });
  }

  before(async () => {
    fake = await startFakeSpotify();
    tmp = await tempDir();
    fake.playlists.catalog.push(...catalogFromRows(historyRows('efrrowini_Streaming_History_Audio_2024.json')));
    const imported = await cli(['import', FILE]);
    expect(imported.status, imported.stderr).to.equal(0);
    const tokens = await openTokenStore(tmp.dir);
    const grant = fake.grant();
    await tokens.updateAccount('default', { tokens: { access_token: grant.access_token, refresh_token: grant.refresh_token, expires_at: Date.now() + 3_600_000,
      scope: [...SCOPES, ...PLAYLIST_SCOPES].join(' ') } });
  });
  after(async () => { child?.kill('SIGKILL'); await fake.close(); await tmp.remove(); });

  it('kills the server while a run waits on Spotify; after the restart the run is failed, the earlier one kept, the playlist untouched', async () => {
    let base = await startChild();
    // Run 1 succeeds, but its liked-songs refresh fails: the next run has to ask Spotify again.
    fake.fault('/v1/me/tracks', ...Array.from({ length: 4 }, () => ({ status: 503 })));
    const first = await runToEnd(base, { account: 'default' });
    expect(first.status, first.error).to.equal('success');
    const playlist = [...fake.playlists.playlists.values()][0]!;
    const listed = [...playlist.items];
    expect(listed).to.deep.equal(first.tracks.map((t: any) => t.uri));
    const writes = fake.playlists.writes.length;

    // Run 2 hangs on the liked songs; the server is killed meanwhile.
    fake.fault('/v1/me/tracks', { delayMs: 60_000 });
    const mark = Date.now();
    const started = await fetch(`${base}/playlists/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ account: 'default' }) });
    const { id } = await started.json() as { id: number };
    await waitFor(() => fake.requests.some((r) => r.path === '/v1/me/tracks' && r.at >= mark), { what: 'run 2 asking for liked songs' });
    const running = await (await fetch(`${base}/playlists/runs/${id}`)).json() as any;
    expect(running.status).to.equal('running');
    child!.kill('SIGKILL');
    await exited(child!);

    base = await startChild();
    const killed = await (await fetch(`${base}/playlists/runs/${id}`)).json() as any;
    expect(killed.status).to.equal('failed');
    expect(killed.error).to.equal('Vibescope stopped before this run finished (a restart or a crash); nothing was written to Spotify.');
    expect(killed.ended_at).to.be.a('number');
    const kept = await (await fetch(`${base}/playlists/runs/${first.id}`)).json() as any;
    expect(kept.status, 'the finished run survived the crash (journaled)').to.equal('success');
    expect(kept.tracks.map((t: any) => t.uri)).to.deep.equal(listed);
    expect(fake.playlists.playlists.size).to.equal(1);
    expect(playlist.items).to.deep.equal(listed);
    expect(fake.playlists.writes.length, 'nothing was written to Spotify by the killed run').to.equal(writes);
    const list = await (await fetch(`${base}/playlists/runs?account=default`)).json() as any;
    expect(list.runs.map((r: any) => [r.id, r.status])).to.deep.equal([[id, 'failed'], [first.id, 'success']]);

    // The CLI goes through the running server; a dry run writes nothing.
    fake.clearFaults();
    const dry = await cli(['playlist', 'generate', '--dry-run']);
    expect(dry.status, dry.stderr + dry.stdout).to.equal(0);
    expect(dry.stdout).to.match(/^Made through the running Vibescope \(pid \d+\)\.\nDry run of the vibe playlist of "default" \(run \d+\): done/);
    expect(dry.stdout).to.match(/Candidates per source:\n {4}rediscoveries: \d+/);
    const latest = (await (await fetch(`${base}/playlists/runs?limit=1`)).json() as any).runs[0];
    expect(latest).to.include({ trigger: 'cli', dry_run: true, status: 'success' });
    expect(fake.playlists.writes.length).to.equal(writes);

    // Killed while the write is on its way: the run says the playlist may already show the new list.
    fake.fault(`/v1/playlists/${playlist.id}/items`, { delayMs: 60_000 });
    const putMark = Date.now();
    const writing = await fetch(`${base}/playlists/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ account: 'default' }) });
    const { id: writingId } = await writing.json() as { id: number };
    await waitFor(() => fake.requests.some((r) => r.method === 'PUT' && r.at >= putMark), { timeoutMs: 30_000, what: 'the PUT of the items' });
    child!.kill('SIGKILL');
    await exited(child!);
    base = await startChild();
    const cut = await (await fetch(`${base}/playlists/runs/${writingId}`)).json() as any;
    expect(cut).to.include({ status: 'failed', stage: 'publishing',
      error: 'Vibescope stopped while this playlist was being written to Spotify; the playlist there may already show this list. The next run replaces it in full.' });

    child!.kill('SIGTERM');
    await exited(child!);
    expect(child!.exitCode, `SIGTERM exits 0 (signal ${child!.signalCode}; output: ${output.slice(-3000)})`).to.equal(0);
    child = null;
  });

  it('offline (no server) the CLI opens the data folder itself and explains the list; a bad sub-command exits 2', async () => {
    const res = await cli(['playlist', 'generate', '--dry-run']);
    expect(res.status, res.stderr).to.equal(0);
    expect(res.stdout).to.match(/^Dry run of the vibe playlist of "default" \(run \d+\): done/);
    expect(res.stdout).to.match(/ {2}15 tracks, \d+ new to you/);
    expect(res.stdout).to.include('Note: Dry run: nothing was written to Spotify or to the M3U folder.');
    const help = await cli(['playlist', '--help']);
    expect(help.status).to.equal(0);
    expect(help.stdout).to.include('Usage: vibescope playlist generate');
    const bad = await cli(['playlist', 'dance']);
    expect(bad.status).to.equal(2);
    expect(bad.stderr).to.include('unknown playlist command "dance"');
  });
});
