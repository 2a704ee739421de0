import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/log.js';

/** A fresh temp folder; remove it with the returned function. */
export async function tempDir(prefix = 'vibescope-test-'): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A logger whose lines are kept in memory (level trace) for assertions. */
export function memoryLogger(level = 'trace'): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk, _enc, cb) { lines.push(...String(chunk).split('\n').filter(Boolean)); cb(); } });
  return { log: createLogger(level, sink), lines };
}

/** A silent logger. */
export function quietLogger(): Logger {
  return createLogger('silent');
}

/** Polls `check` until it returns a truthy value or the deadline passes. */
export async function waitFor<T>(check: () => T | Promise<T>, { timeoutMs = 10_000, intervalMs = 20, what = 'condition' as string | (() => string) } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (err) { last = err; }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`waitFor: ${typeof what === 'function' ? what() : what} not reached in ${timeoutMs} ms${last ? ` (last error: ${(last as Error).message})` : ''}`);
}

/** A controllable clock. */
export function fakeClock(start = Date.UTC(2026, 10, 1, 12)) {
  let t = start;
  return { now: () => t, advance: (ms: number) => { t += ms; return t; }, set: (ms: number) => { t = ms; } };
}

/**
 * An IANA fixed-offset zone (`Etc/GMT±N`) in which `at` falls between 12:00 and 13:00 local time, so a test that records a play
 * a minute ago and counts "today" never straddles midnight, whenever the run happens (CI once ran at 00:00 UTC: a play at
 * 23:59 was yesterday's). `Etc/GMT-5` is UTC+5: the IANA sign is inverted (tz database, file `etcetera`).
 */
export function middayZone(at = Date.now()): string {
  const offset = 12 - new Date(at).getUTCHours(); // -11 … +12, inside the Etc range (-12 … +14)
  return offset === 0 ? 'Etc/GMT' : offset > 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
}

/** A TCP port free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32), so a failing run can be replayed from its seed. */
export function rng(seed: number): () => number {
  return () => {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
