import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openTokenStore } from '../src/spotify/index.js';
import { startFakeSpotify, playerState, trackObject, type FakeSpotify } from './support/fake-spotify.js';
import { freePort, tempDir, waitFor } from './support/helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CYCLES = 12;


/** Deterministic pseudo-random numbers (mulberry32) so a failure can be replayed. */
function rng(seed: number) {
  return () => { seed |= 0; seed = (seed + 0x6d2b79f5) | 0; let t = Math.imul(seed ^ (seed >>> 15), 1 | seed); t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t; return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
}

describe('crash safety: SIGKILL at random moments loses no acknowledged stream and duplicates none', function () {
  this.timeout(180_000);
  let fake: FakeSpotify;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let child: ChildProcess | null = null;
  let stderr = '';

  before(async () => { fake = await startFakeSpotify(); tmp = await tempDir(); });
  after(async () => { child?.kill('SIGKILL'); await fake.close(); await tmp.remove(); });

  function startChild(port: number): ChildProcess {
    const proc = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'cli.ts'), 'serve'], {
      cwd: ROOT,
      env: { ...process.env, VIBESCOPE_DATA_DIR: tmp.dir, VIBESCOPE_PORT: String(port), VIBESCOPE_CLIENT_ID: 'crash-test',
        VIBESCOPE_SPOTIFY_API_URL: fake.apiUrl, VIBESCOPE_SPOTIFY_ACCOUNTS_URL: fake.accountsUrl, VIBESCOPE_LOG_LEVEL: 'warning', VIBESCOPE_METADATA_ENRICHMENT: 'false',
        VIBESCOPE_SNAPSHOT_MAX_JOURNAL_RECORDS: '10', VIBESCOPE_OPTIONS_FILE: path.join(tmp.dir, 'no-options.json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stderr!.on('data', (chunk) => { stderr += String(chunk); });
    proc.stdout!.on('data', (chunk) => { stderr += String(chunk); });
    proc.on('exit', (code, signal) => { stderr += `[exit ${code} ${signal}]`; });
    return proc;
  }

  it(`survives ${CYCLES} kill -9 cycles`, async () => {
    const random = rng(20261123);
    const tokens = await openTokenStore(tmp.dir);
    const grant = fake.grant();
    await tokens.updateAccount('default', { tokens: { access_token: grant.access_token, refresh_token: grant.refresh_token,
      expires_at: Date.now() + 3_600_000, scope: '' } });
    const acknowledged = new Map<string, number>();
    let all: any[] = [];
    let n = 0;
    let t = Date.now() - 6 * 3_600_000;
    for (let cycle = 0; cycle <= CYCLES; cycle++) {
      // New listening since the last cycle: plays (recently-played) and a skip (only the player shows it).
      for (let i = 0; i < 4; i++) { t += 200_000; fake.state.recent.push({ track: trackObject(++n, 190_000), played_at: new Date(t).toISOString() }); }
      const port = await freePort();
      child = startChild(port);
      const base = `http://127.0.0.1:${port}/api/v1`;
      await waitFor(async () => (await fetch(`${base}/health`)).ok, { timeoutMs: 20_000, what: () => `child health (child output: ${stderr.slice(-2000)})` });
      fake.state.player = playerState(trackObject(1000 + cycle, 200_000, `Skip ${cycle}`), 2_000);
      await fetch(`${base}/accounts/default/sync`, { method: 'POST' });
      fake.state.player = playerState(trackObject(2000 + cycle, 200_000, `After ${cycle}`), 1_000);
      const last = cycle === CYCLES;
      const sync = fetch(`${base}/accounts/default/sync`, { method: 'POST' }).then((r) => r.json()).catch(() => null);
      if (!last && random() < 0.5) {
        await new Promise((r) => setTimeout(r, Math.floor(random() * 40)));
        child.kill('SIGKILL'); // mid-sync, maybe mid-journal-write
      } else {
        await sync;
        const page = await (await fetch(`${base}/streams?limit=500`)).json() as any;
        for (const s of page.streams) acknowledged.set(`${s.track_uri}@${s.ended_at}`, s.id);
        if (last) all = page.streams;
        child.kill(last ? 'SIGTERM' : 'SIGKILL');
      }
      await new Promise<void>((resolve) => { if (child!.exitCode !== null || child!.signalCode) resolve(); else child!.once('exit', () => resolve()); });
      if (last) expect(child.exitCode).to.equal(0, 'SIGTERM exits 0');
    }
    child = null;
    const keys = all.map((s) => `${s.track_uri}@${s.ended_at}`);
    const byTrack = new Map<string, number>();
    for (const s of all) byTrack.set(s.track_uri, (byTrack.get(s.track_uri) ?? 0) + 1);
    expect(acknowledged.size).to.be.greaterThan(CYCLES, 'the test saw acknowledged streams');
    for (const key of acknowledged.keys()) expect(keys.filter((k) => k === key), key).to.have.length(1);
    for (const item of fake.state.recent) expect(byTrack.get(item.track.uri), `${item.track.uri} stored once`).to.equal(1);
    expect(new Set(keys).size).to.equal(keys.length, 'no stream twice');
  });
});
