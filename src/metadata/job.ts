import type { Logger } from '../log.js';
import type { Health } from '../health.js';
import type { Store } from '../store/index.js';
import { MetadataError } from '../errors.js';
import { backoffMs } from './http.js';
import type { Step } from './steps.js';

/** Queue sweep (new tracks from imports, not_found re-checks) at least this often. */
export const SWEEP_MS = 10 * 60_000;
/** A lane that failed waits 30 s, doubling, at most 10 minutes, before it tries again. */
export const LANE_BACKOFF_BASE_MS = 30_000;
export const LANE_BACKOFF_CAP_MS = 10 * 60_000;
/** While the job writes, the store is snapshotted at most this often (a restart then refetches nothing done before). */
export const CHECKPOINT_MS = 30 * 60_000;
/** … and only once this many rows were written since the last one (live plays add a few: the daily compaction covers those). */
export const CHECKPOINT_MIN_WRITES = 500;

/** One lane's state as the status shows it. */
export interface LaneStatus {
  state: 'idle' | 'working' | 'waiting' | 'offline';
  /** Set while the lane waits after a failure: the sentence health shows. */
  problem: string | null;
  retry_at: number | null;
}

export interface LaneSpec {
  /** 'listenbrainz' | 'musicbrainz' (health ids `metadata.<name>`). */
  name: string;
  /** The service's name for people. */
  service: string;
  /** The lane's steps, highest priority first; recomputed each round (a refused token drops steps). */
  steps: () => Step[];
}

export interface JobDeps {
  store: Store; health: Health; log: Logger; lanes: LaneSpec[];
  /** Runs before each round when due: queues new tracks. */
  sweep: () => Promise<void>;
  /** A ListenBrainz 401/403: the token is refused (the job drops token steps). */
  onAuthRefused: (err: MetadataError) => void;
  now?: () => number;
  sweepMs?: number; checkpointMs?: number; checkpointMinWrites?: number; laneBackoffBaseMs?: number;
}

/** A sentence for a person: the service, what happened, that the job waits, and what to check. */
function problemSentence(service: string, err: unknown): string {
  if (err instanceof MetadataError && err.code === 'METADATA_OFFLINE') {
    return `${service} cannot be reached, so genre and country lookups are paused; they resume by themselves. Check the box's internet connection and DNS.`;
  }
  if (err instanceof MetadataError && /rate limited/.test(err.message)) {
    return `${service} keeps asking Vibescope to slow down, so lookups wait longer between requests; nothing is lost and nothing needs doing.`;
  }
  if (err instanceof MetadataError) {
    return `${service} answered with an error (${err.httpStatus ? `HTTP ${err.httpStatus}` : err.message.split(': ').at(-1)}); the lookups wait and try again by themselves.`;
  }
  return `Looking up ${service} metadata failed unexpectedly; it is tried again in a few minutes. Please report this with the add-on log.`;
}

/**
 * The enrichment job: one async loop per lane (ListenBrainz and MusicBrainz run side by side, each
 * one request at a time). A round runs the first step that finds work; with none, the lane sleeps
 * until woken (a new play, an import) or the next sweep. A failed step makes the lane wait (capped
 * exponential back-off), reported to health as `metadata.<lane>` and cleared on the next success.
 * Nothing here blocks ingest: every write is one short transaction through store.exclusive.
 */
export function createJob({ store, health, log, lanes, sweep, onAuthRefused, now = Date.now, sweepMs = SWEEP_MS,
  checkpointMs = CHECKPOINT_MS, checkpointMinWrites = CHECKPOINT_MIN_WRITES, laneBackoffBaseMs = LANE_BACKOFF_BASE_MS }: JobDeps) {
  const controller = new AbortController();
  const status = new Map<string, LaneStatus>(lanes.map((l) => [l.name, { state: 'idle', problem: null, retry_at: null }]));
  const wakers = new Set<() => void>();
  const running: Promise<void>[] = [];
  let lastSweep = 0;
  let sweeping: Promise<void> | null = null;
  let dirty = 0;
  let lastCheckpoint = now();
  let lastError: { service: string; message: string; at: number } | null = null;
  let stopped = false;

  /** Sleeps until `ms` passed, the job is woken (new work) or stopped. */
  function idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => { clearTimeout(timer); wakers.delete(done); resolve(); };
      const timer = setTimeout(done, ms);
      timer.unref?.();
      wakers.add(done);
    });
  }

  async function sweepIfDue(): Promise<void> {
    if (now() - lastSweep < sweepMs) return;
    sweeping ??= (async () => { lastSweep = now(); await sweep(); })().finally(() => { sweeping = null; });
    await sweeping;
  }

  /** Snapshots the store when enough was written (`force`: anything at all, at stop). */
  async function checkpoint(reason: string, force = false): Promise<void> {
    if (dirty === 0 || (!force && dirty < checkpointMinWrites) || !store.persistent || store.readOnly) return;
    dirty = 0;
    lastCheckpoint = now();
    await store.exclusive(() => store.compactNow(reason)).catch((err: Error) => log.warn({ err }, 'metadata: checkpoint snapshot failed; the work is redone after a restart'));
  }

  async function runLane(lane: LaneSpec): Promise<void> {
    const state = status.get(lane.name)!;
    let failures = 0;
    while (!stopped) {
      let worked = false;
      try {
        await sweepIfDue();
        for (const step of lane.steps()) {
          state.state = 'working';
          if (await step(controller.signal)) { worked = true; break; }
        }
        if (failures > 0 || state.problem) { health.clear(`metadata.${lane.name}`); log.info({ lane: lane.name }, 'metadata: service answers again'); }
        failures = 0;
        state.problem = null; state.retry_at = null;
        if (now() - lastCheckpoint >= checkpointMs) await checkpoint('metadata');
      } catch (err) {
        if (stopped || controller.signal.aborted) break;
        if (err instanceof MetadataError && err.code === 'METADATA_AUTH' && lane.name === 'listenbrainz') {
          onAuthRefused(err);
          continue;
        }
        const wait = backoffMs(failures++, laneBackoffBaseMs, LANE_BACKOFF_CAP_MS);
        const problem = problemSentence(lane.service, err);
        lastError = { service: lane.service, message: err instanceof Error ? err.message : String(err), at: now() };
        state.state = err instanceof MetadataError && err.code === 'METADATA_OFFLINE' ? 'offline' : 'waiting';
        state.problem = problem; state.retry_at = now() + wait;
        health.report(`metadata.${lane.name}`, { code: err instanceof MetadataError ? err.code : 'INTERNAL', message: problem });
        if (err instanceof MetadataError) log.warn({ lane: lane.name, code: err.code, err: { message: err.message }, wait_ms: wait }, 'metadata: lane waits');
        else log.error({ lane: lane.name, err }, 'metadata: step failed unexpectedly');
        await idleUnlessStopped(wait);
        continue;
      }
      if (!worked) {
        state.state = 'idle';
        await checkpoint('metadata drained');
        await idleUnlessStopped(Math.max(1_000, lastSweep + sweepMs - now()));
      }
    }
    state.state = 'idle';
  }

  async function idleUnlessStopped(ms: number): Promise<void> {
    if (!stopped) await idle(ms);
  }

  return {
    /** Starts every lane. */
    start(): void {
      if (running.length > 0 || stopped) return;
      for (const lane of lanes) running.push(runLane(lane));
    },
    /** New work (a play, an import, a changed option): every idle lane looks again now. */
    wake(): void { for (const w of [...wakers]) w(); },
    /** Forces a sweep at the next round (after an import). */
    sweepSoon(): void { lastSweep = 0; for (const w of [...wakers]) w(); },
    /** Counts a committed write (for the checkpoint). */
    wrote(n: number): void { dirty += n; },
    /** Stops the lanes (requests and waits in flight are aborted), then snapshots what they wrote. Idempotent. */
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      controller.abort(new Error('metadata enrichment stopped'));
      for (const w of [...wakers]) w();
      await Promise.allSettled(running);
      await checkpoint('metadata stop', true);
    },
    lanes: (): Record<string, LaneStatus> => Object.fromEntries([...status].map(([k, v]) => [k, { ...v }])),
    lastError: () => lastError,
    get stopped(): boolean { return stopped; },
  };
}

export type Job = ReturnType<typeof createJob>;
