import type { Health } from '../health.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/index.js';

/** The longest a Home Assistant backup may hold writes (backup_pre → backup_post); then recording resumes by itself. */
export const MAX_PAUSE_MS = 10 * 60_000;

/**
 * Home Assistant's backup hooks (config.yaml `backup_pre` / `backup_post`, run as `vibescope
 * backup-hook pre|post`, which call `POST /api/v1/backup/pause|resume`): a fresh snapshot, then the
 * store's write lock held while the Supervisor copies /data, so the copy is of files that do not change.
 */
export function createBackupHooks({ store, log, health, now = Date.now }: { store?: Store | undefined; log: Logger; health?: Health | undefined; now?: () => number }) {
  let paused: { release: () => void; timer: NodeJS.Timeout; until: number } | null = null;
  /**
   * Home Assistant's `backup_pre`: writes a snapshot and holds the store's write lock (plays wait in
   * the pollers; Spotify keeps the last 50) until {@link resume} or `ms` (at most {@link MAX_PAUSE_MS})
   * pass, so the backup copies files that do not change. Calling it again extends the pause.
   */
  async function pause(ms = MAX_PAUSE_MS): Promise<{ paused_until: number }> {
    if (!store) throw new Error('backup pause needs the store');
    const span = Math.min(Math.max(ms, 1000), MAX_PAUSE_MS);
    if (paused) {
      clearTimeout(paused.timer);
      paused.until = now() + span;
      paused.timer = setTimeout(() => expire(), span);
      paused.timer.unref();
      return { paused_until: paused.until };
    }
    let held!: () => void;
    const holding = new Promise<void>((resolve) => { held = resolve; });
    let release!: () => void;
    const released = new Promise<void>((resolve) => { release = resolve; });
    void store.exclusive(async () => {
      try { await store.compactNow('backup'); } catch (err) { log.warn({ err }, 'backup: snapshot before the pause failed; the journal keeps everything'); }
      held();
      await released;
    });
    await holding;
    const timer = setTimeout(() => expire(), span);
    timer.unref();
    paused = { release, timer, until: now() + span };
    health?.report('backup', { code: 'BACKUP_RUNNING', message: 'A Home Assistant backup is running; new plays are recorded as soon as it has finished.' });
    log.info({ paused_until: paused.until }, 'backup: writes paused');
    return { paused_until: paused.until };
  }

  function expire(): void {
    if (!paused) return;
    log.warn({ max_ms: MAX_PAUSE_MS }, 'backup: backup_post did not come in time; writes resumed');
    resume();
    health?.report('backup', { code: 'BACKUP_TIMEOUT', dismissible: true,
      message: 'A Home Assistant backup did not finish within 10 minutes, so recording went on without waiting for it. Check the backup in Home Assistant.' });
  }

  /** Home Assistant's `backup_post`: lets writes go on. Idempotent. */
  function resume(): { paused: boolean } {
    if (!paused) return { paused: false };
    clearTimeout(paused.timer);
    paused.release();
    paused = null;
    health?.clear('backup');
    log.info('backup: writes resumed');
    return { paused: false };
  }

  return { pause, resume, get paused(): boolean { return paused !== null; } };
}
