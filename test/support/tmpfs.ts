import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A small tmpfs mounted for a test: a real disk that fills up (ENOSPC) and can be made read-only
 * (EROFS). Mounting needs root (CI runs as root); without it the test fails with a message saying so.
 */
export function mountTmpfs(sizeKb: number) {
  if (process.getuid?.() !== 0) {
    throw new Error('the storage-fault tests mount a small tmpfs and must run as root (CI does; run `sudo npm test` locally)');
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'vibescope-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k,mode=0755`, 'tmpfs', dir]);
  let mounted = true;
  return {
    dir,
    /** Bytes still free. */
    free(): number { const s = statfsSync(dir); return s.bavail * s.bsize; },
    /** Fills the disk until `leaveBytes` remain; returns the filler's path (delete it to free the space). */
    fill(leaveBytes = 0, name = 'filler.bin'): string {
      const file = path.join(dir, name);
      const size = Math.max(0, this.free() - leaveBytes);
      try { writeFileSync(file, Buffer.alloc(size)); } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err; // a full disk is the goal here
      }
      return file;
    },
    readOnly(on = true): void { execFileSync('mount', ['-o', `remount,${on ? 'ro' : 'rw'}`, dir]); },
    unmount(): void {
      if (!mounted) return;
      mounted = false;
      execFileSync('umount', ['-l', dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
