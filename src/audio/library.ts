import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../log.js';
import type { Bus } from '../bus.js';
import type { Store } from '../store/index.js';
import { resolveFfmpeg, AudioDecodeError, type FfmpegPaths } from './ffmpeg.js';
import { analyzeWithInfo } from './analyze.js';

/** Audio files the scanner looks at. */
export const AUDIO_EXTENSIONS = new Set(['.mp3', '.flac', '.ogg', '.oga', '.opus', '.m4a', '.aac', '.wav']);

export interface ScanReport { files_seen: number; changed: number; gone: number; analysed: number; failed: number; matched: number; duration_ms: number }

export interface AudioLibraryDeps { store: Store; bus: Bus; log: Logger; roots: string[]; now?: () => number; ffmpeg?: FfmpegPaths }

async function* walk(dir: string): AsyncGenerator<string> {
  let entries;
  try { entries = await readdir(dir, { withFileTypes: true }); } catch { return; } // unreadable folder: skipped (logged by the caller)
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) yield* walk(full);
    else if (e.isFile() && AUDIO_EXTENSIONS.has(path.extname(e.name).toLowerCase())) yield full;
  }
}

/**
 * The music library: scans the configured folders (incremental by path + size + mtime; vanished
 * files are marked gone), reads tags from ffmpeg's input dump, matches files to Spotify tracks, and analyses one
 * file at a time (ffmpeg at low priority). A file that fails is recorded with the reason and not
 * retried until it changes. Results are announced as `features.extracted`.
 */
export function createAudioLibrary({ store, bus, log, roots, now = Date.now, ffmpeg }: AudioLibraryDeps) {
  let running: Promise<ScanReport> | null = null;
  let lastScan: { at: number; report: ScanReport } | null = null;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  const write = <T>(fn: () => T) => store.exclusive(() => store.transaction(fn));

  async function analyseOne(id: number, file: string, paths: FfmpegPaths, report: ScanReport): Promise<void> {
    try {
      // One ffmpeg run gives the tags and the descriptors (no ffprobe start per file: ~0.1 s CPU each).
      const { descriptors: features, info } = await analyzeWithInfo(file, paths);
      const durationMs = Number.isFinite(info.duration_s) ? Math.round(info.duration_s * 1000) : null;
      const trackId = await write(() => {
        const t = store.library.match(info.tags, durationMs);
        store.library.saveTags(id, info.tags, durationMs, t);
        store.library.saveFeatures(id, features as unknown as Record<string, unknown> & { mfcc_mean: number[] | null; mfcc_std: number[] | null });
        return t;
      });
      report.analysed++;
      if (trackId !== null) report.matched++;
      bus.emit('features.extracted', { path: file, track_id: trackId, energy: features.energy, tempo_bpm: features.tempo_bpm, key: features.key, mode: features.mode });
    } catch (err) {
      const reason = err instanceof AudioDecodeError ? `${err.reason}: ${err.message.split(': ').slice(2).join(': ') || err.reason}${err.stderr ? ` (${err.stderr})` : ''}` : (err as Error).message;
      await write(() => store.library.saveFailure(id, reason));
      report.failed++;
      log.warn({ file, reason }, 'library: file failed, recorded and not retried until it changes');
    }
  }

  async function runScan(): Promise<ScanReport> {
    const started = now();
    const report: ScanReport = { files_seen: 0, changed: 0, gone: 0, analysed: 0, failed: 0, matched: 0, duration_ms: 0 };
    const found: { file: string; size: number; mtime: number }[] = [];
    for (const root of roots) {
      try { await stat(root); } catch { log.info({ root }, 'library: folder not found, skipped'); continue; }
      for await (const file of walk(root)) {
        try { const s = await stat(file); found.push({ file, size: s.size, mtime: Math.round(s.mtimeMs) }); } catch { continue; } // vanished while scanning
      }
    }
    report.files_seen = found.length;
    await write(() => {
      for (const f of found) if (store.library.seen(f.file, f.size, f.mtime)) report.changed++;
      report.gone = store.library.markGone(roots, new Set(found.map((f) => f.file)));
    });
    const paths = ffmpeg ?? resolveFfmpeg();
    while (!stopped) {
      const batch = await store.exclusive(() => store.library.pending(20));
      if (batch.length === 0) break;
      for (const { id, path: file } of batch) { if (stopped) break; await analyseOne(id, file, paths, report); }
    }
    const rematched = await write(() => store.library.rematch());
    report.matched += rematched;
    if (report.changed + report.gone + rematched > 0) await store.exclusive(() => store.compactNow('library'));
    report.duration_ms = now() - started;
    lastScan = { at: now(), report };
    log.info(report, 'library scanned');
    return report;
  }

  return {
    /** Scans now (or joins the scan under way). */
    scan(): Promise<ScanReport> {
      running ??= runScan().finally(() => { running = null; });
      return running;
    },
    /** Scan state, counts, matches and failures with reasons. */
    status() {
      return { roots, scanning: running !== null, last_scan_at: lastScan?.at ?? null, last_scan: lastScan?.report ?? null, ...store.library.status() };
    },
    /** Rescans every `intervalMs` (and once now). */
    start(intervalMs: number): void {
      if (roots.length === 0) { log.info('library: no folders configured (library_paths): audio features are off'); return; }
      const tick = () => { void this.scan().catch((err: Error) => log.error({ err }, 'library: scan failed')); };
      tick();
      timer = setInterval(tick, intervalMs);
      timer.unref();
    },
    /** Stops rescanning; the file being analysed may finish (its result is derived data), but stop waits at most 3 s. */
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearInterval(timer);
      await Promise.race([running?.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 3_000).unref())]);
    },
  };
}

export type AudioLibrary = ReturnType<typeof createAudioLibrary>;
