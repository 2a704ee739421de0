import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeSpotify, type FakeSpotify } from './support/fake-spotify.js';
import { freePort, tempDir, waitFor } from './support/helpers.js';
import { buildCore, stream } from './support/core.js';
import { EXTENDED_DIR } from './support/fixtures.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Every file under `dir` with its size and mtime: what "deletes nothing, writes nothing" is checked against. */
function fingerprint(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile())
    .map((e) => { const p = path.join(e.parentPath, e.name); const s = statSync(p); return `${path.relative(dir, p)} ${s.size} ${s.mtimeMs}`; }).sort();
}

describe('the data folder lock, read-only status, and commands that go through a running server', function () {
  this.timeout(90_000);
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let fake: FakeSpotify;
  const children: ChildProcess[] = [];
  beforeEach(async () => { tmp = await tempDir(); fake = await startFakeSpotify(); });
  afterEach(async () => {
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) { c.kill('SIGKILL'); await once(c, 'exit'); }
    await fake.close();
    await tmp.remove();
  });

  const env = (extra: Record<string, string> = {}) => ({ ...process.env, VIBESCOPE_OPTIONS_FILE: path.join(tmp.dir, 'none.json'), VIBESCOPE_LOG_LEVEL: 'warning',
    VIBESCOPE_CLIENT_ID: 'lock-test', VIBESCOPE_SPOTIFY_API_URL: fake.apiUrl, VIBESCOPE_SPOTIFY_ACCOUNTS_URL: fake.accountsUrl, ...extra });
  const cli = (args: string[], input?: string) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: ROOT, encoding: 'utf8', env: env(), input, timeout: 60_000 });
  async function serve(dataDir: string): Promise<{ child: ChildProcess; base: string }> {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve', '--data-dir', dataDir, '--port', String(port)], { cwd: ROOT, env: env(), stdio: 'ignore' });
    children.push(child);
    const base = `http://127.0.0.1:${port}/api/v1`;
    await waitFor(async () => (await fetch(`${base}/health`)).ok, { timeoutMs: 20_000, what: 'server' });
    return { child, base };
  }

  it('starts over a lock left by a killed process and over 0.1\'s pid file naming a live pid (pid 1)', async () => {
    const dataDir = path.join(tmp.dir, 'data');
    const first = await serve(dataDir);
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');
    expect(readdirSync(dataDir)).to.include('vibescope.sock', 'the dead process left its socket file behind');
    writeFileSync(path.join(dataDir, 'vibescope.lock'), '1'); // pid 1 is alive: a container restart
    const second = await serve(dataDir);
    expect((await fetch(`${second.base}/health`)).status).to.equal(200);
  });

  it('refuses a second server on the same folder with a sentence naming the first', async () => {
    const dataDir = path.join(tmp.dir, 'data');
    const first = await serve(dataDir);
    const res = cli(['serve', '--data-dir', dataDir, '--port', String(await freePort())]);
    expect(res.status).to.equal(1);
    expect(res.stderr).to.match(new RegExp(`another Vibescope \\(pid ${first.child.pid}\\) is already using this data folder`));
    expect(res.stderr).to.not.match(/\n\s+at /);
  });

  it('status opens the store read-only: a damaged snapshot is reported, nothing is moved, written or deleted', async () => {
    const dataDir = path.join(tmp.dir, 'data');
    const core = await buildCore({ dataDir, maxJournalRecords: 1 });
    await core.ingest.record([stream(1, Date.UTC(2026, 3, 1))]);
    await core.ingest.record([stream(2, Date.UTC(2026, 3, 2))]);
    await core.ingest.record([stream(3, Date.UTC(2026, 3, 3))]);
    await core.close();
    writeFileSync(path.join(dataDir, 'vibescope.db'), Buffer.alloc(4096, 1)); // damaged
    mkdirSync(path.join(dataDir, 'journal', 'staged'), { recursive: true });
    writeFileSync(path.join(dataDir, 'journal', 'staged', '00000009-x.data.tmp'), 'half-staged');
    const before = fingerprint(dataDir);
    const res = cli(['status', '--data-dir', dataDir]);
    expect(res.status, res.stderr).to.equal(0);
    expect(res.stdout).to.match(/default: not connected; 3 plays/);
    expect(res.stdout).to.match(/problem: .*snapshot/i);
    expect(fingerprint(dataDir)).to.deep.equal(before, 'status changed nothing on disk');
  });

  it('connect while the server runs goes through it: the server is connected at once and its token file is its own', async () => {
    const dataDir = path.join(tmp.dir, 'data');
    const { base } = await serve(dataDir);
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'connect', '--data-dir', dataDir], { cwd: ROOT, env: env(), stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (c) => { out += String(c); });
    const url = await waitFor(() => /(http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+)/.exec(out)?.[1], { timeoutMs: 20_000, what: () => `consent URL in ${out}` });
    const landed = await fake.consent(url);
    child.stdin!.end(`${landed}\n`);
    const [code] = await once(child, 'exit') as [number];
    expect(code, out).to.equal(0);
    expect(out).to.match(/through the running Vibescope/);
    const accounts = await (await fetch(`${base}/accounts`)).json() as { accounts: { connected: boolean }[] };
    expect(accounts.accounts[0]!.connected).to.equal(true, 'the running server knows the new tokens without a restart');
    const saved = JSON.parse(readFileSync(path.join(dataDir, 'vibescope.json'), 'utf8'));
    expect(saved.accounts.default.tokens.refresh_token).to.be.a('string');
  });

  it('import while the server runs uploads through it and prints the same report', async () => {
    const dataDir = path.join(tmp.dir, 'data');
    const { base } = await serve(dataDir);
    const file = path.join(EXTENDED_DIR, 'efrrowini_Streaming_History_Video_2023.json');
    const res = cli(['import', file, '--data-dir', dataDir]);
    expect(res.status, res.stderr).to.equal(0);
    expect(res.stdout).to.match(/through the running Vibescope/).and.match(/rows read 16; streams stored 16/);
    const health = await (await fetch(`${base}/health`)).json() as any;
    expect(health.store.totals[0].streams).to.equal(16);
  });

  it('sets a damaged token file aside, names it, and shows the account as needing a reconnect', async () => {
    const dataDir = path.join(tmp.dir, 'data');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(path.join(dataDir, 'vibescope.json'), '{"accounts": {"default": {"tokens": ');
    const { base } = await serve(dataDir);
    const health = await (await fetch(`${base}/health`)).json() as any;
    expect(health.status).to.equal('degraded');
    expect(health.problems.map((p: { id: string }) => p.id)).to.include('tokens');
    expect(health.accounts[0]).to.include({ needs_reconnect: true });
    expect(health.accounts[0].reconnect_reason).to.match(/damaged/);
    expect(readdirSync(dataDir).filter((f) => f.startsWith('vibescope.json.damaged-'))).to.have.length(1);
    expect(readFileSync(path.join(dataDir, readdirSync(dataDir).find((f) => f.startsWith('vibescope.json.damaged-'))!), 'utf8'))
      .to.equal('{"accounts": {"default": {"tokens": ', 'the damaged file is kept as it was');
  });
});
