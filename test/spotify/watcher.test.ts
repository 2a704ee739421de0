import { expect } from 'chai';
import { createPlayerStateMachine, createPlayerWatcher, toObservation } from '../../src/spotify/index.js';
import { playerSchema } from '../../src/spotify/parse.js';
import { fixture } from '../support/fixtures.js';
import { playerState, trackObject } from '../support/fake-spotify.js';
import type { IncomingStream } from '../../src/types.js';

const T0 = Date.UTC(2026, 5, 1, 18);
const SKIP_MS = 30_000;

/** Drives the state machine with a timeline of [seconds since T0, player body or null]. */
function run(timeline: [number, any][], threshold = SKIP_MS): IncomingStream[] {
  const machine = createPlayerStateMachine('default', threshold);
  const out: IncomingStream[] = [];
  for (const [s, body] of timeline) out.push(...machine.observe(toObservation(body === null ? null : playerSchema.parse(body), T0 + s * 1000)));
  return out;
}

const A = trackObject(1, 200_000, 'A');
const B = trackObject(2, 180_000, 'B');
const C = trackObject(3, 240_000, 'C');
const SHORT = trackObject(4, 20_000, 'Short');

describe('spotify: player watcher state machine (skips and ms_played)', () => {
  it('records a skip when the track changes after 10 s', () => {
    const out = run([[0, playerState(A, 0)], [10, playerState(A, 10_000)], [15, playerState(B, 1_000)]]);
    expect(out).to.have.length(1);
    expect(out[0]!.track.name).to.equal('A');
    expect(out[0]!.skipped).to.equal(true);
    expect(out[0]!.ms_played).to.equal(14_000);
    expect(out[0]!.ended_at).to.equal(T0 + 14_000);
  });

  it('records a track played to its end as trackdone, not a skip', () => {
    const out = run([[0, playerState(A, 180_000)], [15, playerState(A, 195_000)], [30, playerState(B, 10_000)]]);
    expect(out[0]!.reason_end).to.equal('trackdone');
    expect(out[0]!.skipped).to.equal(false);
    expect(out[0]!.ms_played).to.equal(200_000, 'progress at first sight counts as heard');
  });

  it('does not count a pause as listening', () => {
    const out = run([
      [0, playerState(A, 0)], [10, playerState(A, 10_000, { is_playing: false })], [70, playerState(A, 10_000, { is_playing: false })],
      [80, playerState(A, 20_000)], [85, playerState(B, 0)],
    ]);
    expect(out[0]!.ms_played).to.equal(25_000);
    expect(out[0]!.skipped).to.equal(true);
  });

  it('does not count a seek forward as listening beyond the wall-clock time', () => {
    const out = run([[0, playerState(A, 0)], [10, playerState(A, 150_000)], [20, playerState(A, 160_000)], [25, playerState(B, 0)]]);
    expect(out[0]!.ms_played).to.equal(25_000);
    expect(out[0]!.skipped).to.equal(true);
  });

  it('treats repeat-one as a new stream, not a skip', () => {
    const out = run([[0, playerState(A, 190_000, { repeat_state: 'track' })], [15, playerState(A, 5_000, { repeat_state: 'track' })]]);
    expect(out).to.have.length(1);
    expect(out[0]!.reason_end).to.equal('trackdone');
    expect(out[0]!.skipped).to.equal(false);
    expect(out[0]!.ended_at).to.equal(T0 + 10_000);
  });

  it('treats a seek back to the middle of the same track as one stream', () => {
    const out = run([[0, playerState(A, 0)], [15, playerState(A, 15_000)], [30, playerState(A, 60_000)], [45, playerState(A, 20_000)], [60, playerState(B, 0)]]);
    expect(out).to.have.length(1);
    expect(out[0]!.ms_played).to.equal(60_000);
  });

  it('treats the back button (same track from the top) as a restart: a new stream', () => {
    const out = run([[0, playerState(A, 0)], [8, playerState(A, 8_000)], [12, playerState(A, 2_000)], [30, playerState(B, 0)]]);
    expect(out).to.have.length(2);
    expect(out[0]!.reason_end).to.equal('backbtn');
    expect(out[0]!.skipped).to.equal(true);
    expect(out[1]!.ms_played).to.equal(20_000);
  });

  it('records episodes as episodes and never as skips', () => {
    const episode = fixture('api/java_player-state_episode.json');
    const out = run([[0, episode], [15, { ...episode, progress_ms: episode.progress_ms + 15_000 }], [20, playerState(B, 0)]]);
    expect(out[0]!.track.content).to.equal('episode');
    expect(out[0]!.skipped).to.equal(false);
  });

  it('ends the stream when an ad starts and records nothing for the ad', () => {
    const ad = { ...playerState(A, 0), currently_playing_type: 'ad', item: null };
    const out = run([[0, playerState(A, 190_000)], [15, ad], [45, ad], [50, playerState(B, 0)]]);
    expect(out).to.have.length(1);
    expect(out[0]!.reason_end).to.equal('trackdone');
  });

  it('ends the stream on 204 (nothing playing) without calling it a skip', () => {
    const out = run([[0, playerState(A, 0)], [10, playerState(A, 10_000)], [25, null]]);
    expect(out[0]!.skipped).to.equal(false);
    expect(out[0]!.reason_end).to.equal('endplay');
    expect(out[0]!.ms_played).to.equal(25_000);
  });

  it('keeps one stream across a device switch and records the new device', () => {
    const other = { ...fixture('api/java_player-state_track.json').device, name: 'Kitchen speaker' };
    const out = run([[0, playerState(A, 0)], [15, playerState(A, 15_000)], [30, playerState(A, 30_000, { device: other })], [45, playerState(B, 0)]]);
    expect(out).to.have.length(1);
    expect(out[0]!.device).to.equal('Kitchen speaker');
    expect(out[0]!.ms_played).to.equal(45_000);
  });

  it('records nothing during a private session', () => {
    const privateDevice = { ...fixture('api/java_player-state_track.json').device, is_private_session: true };
    const out = run([[0, playerState(A, 0, { device: privateDevice })], [15, playerState(A, 15_000, { device: privateDevice })],
      [30, playerState(B, 0, { device: privateDevice })]]);
    expect(out).to.have.length(0);
  });

  it('ends a track at its natural end when a short track played entirely between two polls', () => {
    // A ends at 15 s, SHORT (20 s) plays 15..35 s unseen, C is 5 s in at 40 s.
    const out = run([[0, playerState(A, 185_000)], [40, playerState(C, 5_000)]]);
    expect(out).to.have.length(1);
    expect(out[0]!.track.name).to.equal('A');
    expect(out[0]!.reason_end).to.equal('trackdone');
    expect(out[0]!.ended_at).to.equal(T0 + 15_000);
    expect(out[0]!.ms_played).to.equal(200_000);
    void SHORT; // recorded by the recently-played poller, see poller.test.ts
  });

  it('uses skip_threshold_s', () => {
    const timeline: [number, any][] = [[0, playerState(A, 0)], [20, playerState(A, 20_000)], [25, playerState(B, 0)]];
    expect(run(timeline, 30_000)[0]!.skipped).to.equal(true);
    expect(run(timeline, 10_000)[0]!.skipped).to.equal(false);
  });
});

describe('spotify: player watcher polls in order', () => {
  it('a sync asked for while a poll is in flight waits for it, so a stale answer never ends the newer track as a skip', async () => {
    // Spotify answers the first request (track A) only after the second (track B) has been asked for.
    const answers: { resolve: (v: unknown) => void }[] = [];
    const bodies = [playerState(A, 60_000), playerState(B, 1_000), null];
    let asked = 0;
    const client = { get: () => { const body = bodies[asked++]; return new Promise((resolve) => answers.push({ resolve: () => resolve({ data: body }) })); } };
    const recorded: IncomingStream[] = [];
    const ingest = { record: async (s: IncomingStream[]) => { recorded.push(...s); } };
    const bus = { emit: () => undefined };
    let clock = T0;
    const watcher = createPlayerWatcher({ account: 'default', client: client as never, ingest: ingest as never, bus: bus as never,
      intervalMs: 15_000, skipThresholdMs: SKIP_MS, now: () => clock });
    const first = watcher.pollOnce();
    const second = watcher.pollOnce();
    await new Promise((r) => setImmediate(r));
    expect(asked, 'the second request waits for the first answer').to.equal(1);
    clock += 5_000; answers[0]!.resolve(undefined);
    await first;
    await new Promise((r) => setImmediate(r));
    expect(asked).to.equal(2);
    clock += 5_000; answers[1]!.resolve(undefined);
    await second;
    const third = watcher.pollOnce();
    await new Promise((r) => setImmediate(r));
    clock += 5_000; answers[2]!.resolve(undefined);
    await third;
    expect(recorded.map((s) => [s.track.name, s.skipped])).to.deep.equal([['A', false], ['B', false]]);
  });
});
