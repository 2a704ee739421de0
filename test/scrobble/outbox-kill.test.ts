import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir, waitFor } from '../support/helpers.js';
import { startFakeListenBrainz, type FakeListenBrainz } from '../support/fake-listenbrainz.js';

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'outbox-child.ts');
const PLAYS = 30;
const KILLS = 8;
const T0 = Date.UTC(2026, 0, 1, 8);

describe('scrobble: the outbox under SIGKILL mid-send', function () {
  this.timeout(300_000);
  let fake: FakeListenBrainz;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let child: ChildProcess | null = null;
  beforeEach(async () => { fake = await startFakeListenBrainz(); tmp = await tempDir(); });
  afterEach(async () => { child?.kill('SIGKILL'); await fake.close(); await tmp.remove(); });

  function run(): ChildProcess {
    const p = spawn(process.execPath, ['--import', 'tsx', CHILD, path.join(tmp.dir, 'data'), fake.url, String(PLAYS)], { stdio: ['ignore', 'pipe', 'pipe'] });
    p.stderr!.on('data', (c) => { if (/Error/.test(String(c))) process.stderr.write(`child: ${String(c)}`); });
    return p;
  }
  const kill = async (p: ChildProcess) => { p.kill('SIGKILL'); if (p.exitCode === null && p.signalCode === null) await new Promise((r) => p.once('exit', r)); };

  it('every play arrives exactly once, however often the process is killed while sending', async () => {
    for (let round = 0; round < KILLS; round++) {
      const before = fake.submissions.length;
      if (round % 2 === 0) {
        // Killed while the server holds the request (it stored the listens, no answer came back yet).
        fake.fault({ delayMs: 3000, store: true });
      }
      child = run();
      const trigger = round % 2 === 0 ? before + 1 : before + 2;
      await waitFor(() => fake.submissions.length >= trigger || child!.exitCode !== null, { timeoutMs: 60_000, intervalMs: 5, what: `round ${round}: a send` });
      await kill(child);
      child = null;
      fake.faults.length = 0;
    }
    child = run();
    await waitFor(() => fake.stored.size === PLAYS, { timeoutMs: 120_000, what: () => `all ${PLAYS} plays stored (have ${fake.stored.size})` });
    // Let it finish what is in flight, then stop it.
    await waitFor(() => { const last = fake.submissions.at(-1); return last !== undefined && Date.now() - last.at > 1500; }, { timeoutMs: 30_000, what: 'quiet' });
    await kill(child);
    child = null;

    const listens = [...fake.stored.values()].sort((a, b) => a.listened_at - b.listened_at);
    expect(listens.map((l) => l.track_name)).to.deep.equal(Array.from({ length: PLAYS }, (_, j) => `Song ${j}`));
    expect(listens.map((l) => l.listened_at)).to.deep.equal(Array.from({ length: PLAYS }, (_, j) => Math.floor((T0 + j * 240_000 - 200_000) / 1000)));
    const accepted = fake.submissions.filter((s) => s.status === 200 && s.type === 'single').length;
    // At-least-once delivery with a durable mark right after each 200: a kill can resend only the one listen in flight.
    expect(accepted - PLAYS).to.be.within(0, KILLS);
    expect(fake.submissions.filter((s) => s.status === 200).length).to.be.greaterThan(PLAYS, "the kills did hit sends in flight (resent, kept once)");
  });
});
