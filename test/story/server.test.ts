import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeOpenAi, type FakeAi } from '../support/fake-ai.js';
import { freePort, tempDir, waitFor } from '../support/helpers.js';
import { goodStory, MICA, TZ, WEEK } from './support.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The real server and CLI as processes: REST, `vibescope story` through the running server, a story
 * that survives kill -9, and the offline CLI with ai_provider none.
 */
describe('story: the server, the CLI and a killed process (real processes, loopback only)', function () {
  this.timeout(180_000);
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let fake: FakeAi;
  let child: ChildProcess | null = null;
  let output = '';
  let env: Record<string, string>;

  before(async () => {
    tmp = await tempDir();
    fake = await startFakeOpenAi();
    env = { ...process.env as Record<string, string>, VIBESCOPE_OPTIONS_FILE: path.join(tmp.dir, 'no-options.json'), VIBESCOPE_DATA_DIR: tmp.dir,
      VIBESCOPE_TIMEZONE: TZ, VIBESCOPE_LOG_LEVEL: 'warning', VIBESCOPE_STORY_LANGUAGE: 'en', VIBESCOPE_AI_PROVIDER: 'openai_compatible',
      VIBESCOPE_AI_BASE_URL: `http://127.0.0.1:${fake.port}/v1`, VIBESCOPE_AI_MODEL: 'qwen2.5:7b', VIBESCOPE_AI_API_KEY: 'test-openai-key',
      VIBESCOPE_AI_TIMEOUT_S: '5' };
    const imported = cli(['import', MICA]);
    if (imported.status !== 0) throw new Error(`import failed: ${imported.stderr}`);
  });
  after(async () => { await stopServer(); await fake.close(); await tmp.remove(); });

  /** The CLI without blocking this process (the fake provider answers from here). */
  function cliAsync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
    const proc = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'cli.ts'), ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = ''; let stderr = '';
    proc.stdout.on('data', (c) => { stdout += String(c); });
    proc.stderr.on('data', (c) => { stderr += String(c); });
    return new Promise((resolve) => proc.once('close', (status) => resolve({ status, stdout, stderr })));
  }

  function cli(args: string[], extra: Record<string, string> = {}) {
    return spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'cli.ts'), ...args], { cwd: ROOT, encoding: 'utf8', env: { ...env, ...extra }, timeout: 90_000 });
  }

  async function stopServer(): Promise<void> {
    if (!child || child.exitCode !== null || child.signalCode !== null) { child = null; return; }
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    child = null;
  }

  async function startServer(): Promise<string> {
    await stopServer();
    const port = await freePort();
    child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src', 'cli.ts'), 'serve'], { cwd: ROOT, env: { ...env, VIBESCOPE_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (c) => { output += String(c); });
    child.stderr!.on('data', (c) => { output += String(c); });
    const base = `http://127.0.0.1:${port}/api/v1`;
    await waitFor(async () => (await fetch(`${base}/health`)).ok, { timeoutMs: 30_000, what: () => `server health (output: ${output.slice(-1500)})` });
    return base;
  }

  const json = async (res: Response) => ({ status: res.status, body: await res.json() as any });
  const post = (base: string, body: unknown) => fetch(`${base}/stories`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('serves the facts it would send, writes a story on POST, lists it, and keeps it through kill -9', async () => {
    let base = await startServer();
    const facts = await json(await fetch(`${base}/stories/facts?period=week&start=${WEEK}`));
    expect(facts.status).to.equal(200);
    expect(facts.body.facts.period.start).to.equal(WEEK);
    expect(facts.body.provider).to.equal('openai_compatible');
    expect(facts.body.bytes).to.equal(Buffer.byteLength(JSON.stringify(facts.body.facts)));
    fake.answer({ story: goodStory(facts.body.facts) });
    const created = await json(await post(base, { period: 'week', start: WEEK, wait: true }));
    expect(created.status).to.equal(201);
    expect(created.body.story.status).to.equal('accepted');
    expect(fake.seen.at(-1)!.body.messages[1].content, 'what was sent is what /stories/facts shows').to.equal(facts.body.prompt.user);
    const id = created.body.story.id;
    const again = await json(await post(base, { period: 'week', start: '2024-10-10', wait: true }));
    expect(again.status, 'idempotent per period').to.equal(200);
    expect(again.body.created).to.equal(false);
    expect(again.body.story.id).to.equal(id);
    expect(fake.seen).to.have.length(1);
    const list = await json(await fetch(`${base}/stories?period=week`));
    expect(list.body.stories.map((s: any) => s.id)).to.deep.equal([id]);
    expect(list.body.stories[0]).to.not.have.property('facts');
    const personas = await json(await fetch(`${base}/stories/personas?period=week`));
    expect(personas.body.personas).to.deep.equal([{ story_id: id, start: WEEK, end: '2024-10-13', name: 'The devoted fan',
      description: 'Loyal to the end.', source: 'model', status: 'accepted' }]);

    const killed = new Promise((r) => child!.once('exit', r));
    child!.kill('SIGKILL');
    await killed;
    child = null;
    base = await startServer();
    const kept = await json(await fetch(`${base}/stories/${id}`));
    expect(kept.status).to.equal(200);
    expect(kept.body).to.include({ id, title: created.body.story.title, status: 'accepted', provider: 'openai_compatible', model: 'qwen2.5:7b' });
    expect(kept.body.tokens).to.deep.equal(created.body.story.tokens);
    expect(kept.body.facts).to.deep.equal(facts.body.facts);
  });

  it('answers bad input with 400/404 and a sentence; a failing provider breaks nothing else', async () => {
    const base = await startServer();
    expect((await json(await fetch(`${base}/stories/facts?period=decade`))).status).to.equal(400);
    const badDate = await json(await post(base, { start: '2024-02-30', wait: true }));
    expect(badDate.status).to.equal(400);
    expect(badDate.body.error.message).to.include('YYYY-MM-DD');
    expect((await json(await fetch(`${base}/stories/999999`))).status).to.equal(404);
    expect((await json(await fetch(`${base}/stories/abc`))).status).to.equal(404);
    expect((await json(await post(base, { account: 'nobody' }))).status).to.equal(400);

    const down = { error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } };
    fake.answer({ status: 500, body: down }, { status: 500, body: down });
    const before = fake.seen.length;
    const accepted = await json(await post(base, { period: 'week', start: '2024-09-30' }));
    expect(accepted.status, 'without wait: being written').to.equal(202);
    const health = await waitFor(async () => { const h = await json(await fetch(`${base}/health`)); return h.body.status === 'degraded' ? h.body : null; },
      { timeoutMs: 20_000, what: 'the story problem in health' });
    expect(health.problems.map((p: any) => p.id)).to.include('story');
    expect(fake.seen.length - before).to.equal(2, 'one retry, no loop');
    const list = await json(await fetch(`${base}/stories?period=week`));
    const failed = list.body.stories.find((s: any) => s.start === '2024-09-30');
    expect(failed).to.include({ status: 'failed', source: 'template' });
    expect(failed.error.reason).to.equal('unavailable');
    const summary = await json(await fetch(`${base}/stats/summary?account=default`));
    expect(summary.status).to.equal(200);
    expect(summary.body.plays).to.be.greaterThan(0);
  });

  it('vibescope story goes through the running server; with the server stopped it writes on the data folder itself', async () => {
    const base = await startServer();
    const facts = (await json(await fetch(`${base}/stories/facts?period=week&start=2024-10-14`))).body.facts;
    fake.answer({ story: goodStory(facts) });
    const viaServer = await cliAsync(['story', '--start', '2024-10-14']);
    expect(viaServer.status, viaServer.stderr + viaServer.stdout).to.equal(0);
    expect(viaServer.stdout).to.include(goodStory(facts).title);
    expect(viaServer.stdout).to.include('openai_compatible (qwen2.5:7b)');
    const stored = await json(await fetch(`${base}/stories?period=week`));
    expect(stored.body.stories.map((s: any) => s.start)).to.include('2024-10-14');
    await stopServer();
    const offline = cli(['story', '--period', 'month', '--start', '2024-10-01', '--json'], { VIBESCOPE_AI_PROVIDER: 'none' });
    expect(offline.status, offline.stderr).to.equal(0);
    const story = JSON.parse(offline.stdout);
    expect(story).to.include({ period: 'month', start: '2024-10-01', end: '2024-10-31', status: 'template', provider: 'none' });
    expect(story.grounding.ok).to.equal(true);
    const bad = cli(['story', '--period', 'decade']);
    expect(bad.status).to.equal(2);
    expect(bad.stderr).to.include('week, month or year');
  });
});
