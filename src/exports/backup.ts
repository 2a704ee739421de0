import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, copyFile, link, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import { VibescopeError } from '../errors.js';
import type { Health } from '../health.js';
import type { Logger } from '../log.js';
import { SNAPSHOT_FILE, syncDir, type Store } from '../store/index.js';
import { createBackupHooks } from './backup-hooks.js';

export { MAX_PAUSE_MS } from './backup-hooks.js';

/** The token store's file (spotify/token-store.ts SETTINGS_FILE; not imported: exports do not depend on spotify). */
export const TOKEN_FILE = 'vibescope.json';
/** What a backup holds, relative to the data folder: the snapshots, the journal (with staged imports and set-aside lines), the tokens. */
const BACKED_UP = [SNAPSHOT_FILE, `${SNAPSHOT_FILE}.prev`, 'journal', TOKEN_FILE];
/** Where a backup is put together (hard links, in the data folder; excluded from Home Assistant backups). */
export const BACKUP_TMP_DIR = 'backup.tmp';
/** Where a restore is unpacked and checked before anything is replaced. */
const RESTORE_TMP_DIR = 'restore.tmp';
/** The archive's own description. */
const MANIFEST = 'manifest.json';
const FORMAT = 'vibescope-backup';
/** tar is loaded with the first backup or restore, not at start-up. */
const loadTar = () => import('tar');
/** A restore refuses archives that unpack to more than this (a damaged or hostile archive). */
const MAX_RESTORE_BYTES = 16 * 1024 ** 3;

/** One file of a backup: its path under the data folder, size and SHA-256. */
interface ManifestFile { path: string; bytes: number; sha256: string }
interface Manifest { format: typeof FORMAT; version: 1; created_at: number; vibescope_version: string; files: ManifestFile[] }

/** What a backup wrote. */
export interface BackupResult { files: number; bytes: number }
/** What a restore found and did. */
export interface RestoreResult { files: number; streams: number; plays: number; accounts: string[]; moved_aside: string | null }

/** A backup or restore that cannot be done, with a sentence that says why and what to do. */
export class BackupError extends VibescopeError {
  constructor(message: string, status = 409, options?: ErrorOptions) { super('CONFLICT', message, status, options); }
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function exists(file: string): Promise<boolean> {
  try { await stat(file); return true; } catch { return false; } // ENOENT: not there
}

/** Every file under `rel` (a file or a folder) in `root`, relative paths, temp files left out. */
async function filesUnder(root: string, rel: string): Promise<string[]> {
  let info;
  try { info = await stat(path.join(root, rel)); } catch { return []; } // not there: nothing to back up
  if (info.isFile()) return rel.endsWith('.tmp') ? [] : [rel];
  if (!info.isDirectory()) return [];
  const out: string[] = [];
  for (const entry of await readdir(path.join(root, rel), { withFileTypes: true })) {
    out.push(...(await filesUnder(root, path.join(rel, entry.name))));
  }
  return out;
}

/** Hard-links (or, where the file system cannot, copies) `files` of `from` into `to`, keeping their paths. */
async function linkInto(from: string, to: string, files: string[]): Promise<void> {
  for (const f of files) {
    await mkdir(path.dirname(path.join(to, f)), { recursive: true, mode: 0o700 });
    try { await link(path.join(from, f), path.join(to, f)); } catch (err) {
      if (!['EXDEV', 'EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
      await copyFile(path.join(from, f), path.join(to, f));
    }
  }
}

/**
 * Backups and restores of the data folder (DOCS.md "Backup and restore"): one gzip'ed tar archive
 * (node-tar) of the snapshots, the journal (staged imports and set-aside lines included) and the
 * token store, with a manifest of every file's SHA-256, written with mode 0600. Consistent: on a
 * running server the files are hard-linked under the store's write lock right after a snapshot
 * (which then covers every journal line), so writes stop only for that moment.
 */
export function createBackups({ dataDir, store, log, health, version = '0', now = Date.now, isImporting }: {
  dataDir: string; store?: Store; log: Logger; health?: Health; version?: string; now?: () => number;
  /** True while an import job runs (its rows may not all be in a snapshot yet). */
  isImporting?: () => boolean;
}) {
  /** Hard-links the backed-up files into a fresh folder with a manifest; returns the folder. */
  async function gather(): Promise<{ dir: string; manifest: Manifest }> {
    const dir = path.join(dataDir, BACKUP_TMP_DIR, randomUUID());
    const files = (await Promise.all(BACKED_UP.map((rel) => filesUnder(dataDir, rel)))).flat();
    if (!files.includes(SNAPSHOT_FILE) && !files.some((f) => f.startsWith('journal'))) {
      throw new BackupError('There is nothing to back up yet: this data folder holds no listening history.', 404);
    }
    await mkdir(path.join(dir, 'data'), { recursive: true, mode: 0o700 });
    await linkInto(dataDir, path.join(dir, 'data'), files);
    return { dir, manifest: { format: FORMAT, version: 1, created_at: now(), vibescope_version: version, files: [] } };
  }

  /** Writes the gathered folder as .tar.gz into `out` (the manifest first), then removes the folder. */
  async function pack(dir: string, manifest: Manifest, out: Writable, onReady?: () => void): Promise<BackupResult> {
    try {
      const files = await filesUnder(path.join(dir, 'data'), '.');
      for (const f of files.map((x) => path.normalize(x)).sort()) {
        const full = path.join(dir, 'data', f);
        manifest.files.push({ path: f, bytes: (await stat(full)).size, sha256: await sha256(full) });
      }
      await writeFile(path.join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
      const { create: createTar } = await loadTar();
      onReady?.();
      await pipeline(createTar({ gzip: true, cwd: dir, portable: true }, [MANIFEST, 'data']), out);
      return { files: manifest.files.length, bytes: manifest.files.reduce((a, f) => a + f.bytes, 0) };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * A consistent backup into `out` (an HTTP response, a file stream; ended when done). With a store
   * (the server), a snapshot is written first and the files are linked under its write lock.
   * Without one, the caller holds the data folder's lock, so nothing writes. `onReady` runs just
   * before the first byte is written (an HTTP route sets its headers there: errors before it are plain JSON).
   * @throws BackupError while an import runs, or when there is nothing to back up.
   */
  async function backup(out: Writable, { onReady }: { onReady?: () => void } = {}): Promise<BackupResult> {
    if (isImporting?.()) throw new BackupError('An import is running; start the backup when it has finished.');
    const gathered = store
      ? await store.exclusive(async () => { await store.compactNow('backup'); return gather(); })
      : await gather();
    const result = await pack(gathered.dir, gathered.manifest, out, onReady);
    log.info({ ...result }, 'backup written');
    return result;
  }

  /**
   * Writes a backup to `file` (temp file with mode 0600, fsync, rename): never a half-written archive
   * under the final name.
   */
  async function backupToFile(file: string): Promise<BackupResult> {
    const tmp = `${file}.tmp-${process.pid}`;
    const fh = await open(tmp, 'w', 0o600);
    await fh.close();
    try {
      const result = await backup(createWriteStream(tmp, { flags: 'w', mode: 0o600 }));
      const done = await open(tmp, 'r+');
      try { await done.sync(); } finally { await done.close(); }
      await chmod(tmp, 0o600);
      await rename(tmp, file);
      await syncDir(path.dirname(path.resolve(file)));
      return result;
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  /** Unpacks `file` into `into` with caps: regular files and folders only, no paths outside, at most {@link MAX_RESTORE_BYTES}. */
  async function unpack(file: string, into: string): Promise<void> {
    let total = 0;
    let refused: string | null = null;
    await mkdir(into, { recursive: true, mode: 0o700 });
    const { extract: extractTar } = await loadTar();
    try {
      await extractTar({ file, cwd: into, strict: true, preservePaths: false, noChmod: true,
        filter: (p, entry) => {
          const type = 'type' in entry ? entry.type : 'File';
          if (type !== 'File' && type !== 'Directory') { refused = `it holds a ${type} entry (${p})`; return false; }
          total += 'size' in entry ? entry.size ?? 0 : 0;
          if (total > MAX_RESTORE_BYTES) { refused = 'it unpacks to more than 16 GB'; return false; }
          return true;
        } });
    } catch (err) {
      throw new BackupError(`This is not a readable Vibescope backup (${(err as Error).message}); nothing was changed.`, 400, { cause: err });
    }
    if (refused) throw new BackupError(`This is not a Vibescope backup: ${refused}; nothing was changed.`, 400);
  }

  /** Checks every file against the manifest (sizes and SHA-256, nothing missing, nothing extra). */
  async function verify(dir: string): Promise<Manifest> {
    let manifest: Manifest;
    try { manifest = JSON.parse(await readFile(path.join(dir, MANIFEST), 'utf8')) as Manifest; } catch (err) {
      throw new BackupError('This is not a Vibescope backup (it has no readable manifest); nothing was changed.', 400, { cause: err });
    }
    if (manifest.format !== FORMAT || manifest.version !== 1 || !Array.isArray(manifest.files)) {
      throw new BackupError('This is not a Vibescope backup this version can read; nothing was changed.', 400);
    }
    const present = new Set(await filesUnder(path.join(dir, 'data'), '.').then((l) => l.map((f) => path.normalize(f))));
    for (const f of manifest.files) {
      const full = path.join(dir, 'data', f.path);
      if (!present.delete(path.normalize(f.path)) || (await stat(full)).size !== f.bytes || (await sha256(full)) !== f.sha256) {
        throw new BackupError(`The backup is damaged (${f.path} does not match its checksum); nothing was changed.`, 400);
      }
    }
    if (present.size > 0) throw new BackupError('The backup holds files its manifest does not list; nothing was changed.', 400);
    return manifest;
  }

  /**
   * Restores a backup into the data folder (the caller holds its lock; no server runs). The archive is
   * unpacked into a folder beside the data, every file checked against the manifest, and the store
   * opened from it (snapshot checksum, quick_check, journal replay, read-only) before anything is
   * replaced; the replaced files are moved aside, not deleted.
   * @param open opens a data folder read-only and answers what it holds (core.ts openCore).
   * @throws BackupError when the data folder holds data and `force` is false, or the archive is not a good backup.
   */
  async function restore(file: string, { force = false, open: openReadOnly }: {
    force?: boolean; open: (dir: string) => Promise<{ streams: number; plays: number; accounts: string[] }>;
  }): Promise<RestoreResult> {
    const current = (await Promise.all(BACKED_UP.map((rel) => exists(path.join(dataDir, rel))))).some(Boolean);
    if (current && !force) {
      throw new BackupError('This data folder already holds listening history; restoring would replace it. '
        + 'Restore into an empty folder, or run again with --force (the current files are then moved aside, not deleted).');
    }
    const tmp = path.join(dataDir, `${RESTORE_TMP_DIR}-${randomUUID()}`);
    try {
      await unpack(file, tmp);
      const manifest = await verify(tmp);
      let found: { streams: number; plays: number; accounts: string[] };
      try { found = await openReadOnly(path.join(tmp, 'data')); } catch (err) {
        throw new BackupError(`The backup's database does not open (${(err as Error).message}); nothing was changed.`, 400, { cause: err });
      }
      let aside: string | null = null;
      if (current) {
        aside = path.join(dataDir, `before-restore-${new Date(now()).toISOString().replaceAll(':', '-')}`);
        await mkdir(aside, { mode: 0o700 });
        for (const rel of BACKED_UP) if (await exists(path.join(dataDir, rel))) await rename(path.join(dataDir, rel), path.join(aside, rel));
      }
      for (const rel of BACKED_UP) {
        if (await exists(path.join(tmp, 'data', rel))) await rename(path.join(tmp, 'data', rel), path.join(dataDir, rel));
      }
      await syncDir(dataDir);
      log.info({ files: manifest.files.length, streams: found.streams, moved_aside: aside }, 'backup restored');
      return { files: manifest.files.length, ...found, moved_aside: aside };
    } finally {
      // An unpack that failed may still be finishing writes: retry (ENOTEMPTY), and never let the cleanup hide the real error.
      await rm(tmp, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 })
        .catch((err: Error) => log.warn({ err }, 'restore: could not remove the unpacked copy; it is removed at the next start'));
    }
  }

  const hooks = createBackupHooks({ store, log, health, now });

  /** Removes what a backup or restore interrupted by a crash left in the data folder. */
  async function cleanup(): Promise<void> {
    await rm(path.join(dataDir, BACKUP_TMP_DIR), { recursive: true, force: true });
    for (const f of await readdir(dataDir).catch(() => [] as string[])) {
      if (f.startsWith(`${RESTORE_TMP_DIR}-`)) await rm(path.join(dataDir, f), { recursive: true, force: true });
    }
  }

  return { backup, backupToFile, restore, cleanup, pause: hooks.pause, resume: hooks.resume,
    /** Stops a pause (shutdown). */
    stop: () => { hooks.resume(); },
    get paused(): boolean { return hooks.paused; } };
}

/** The backups instance. */
export type Backups = ReturnType<typeof createBackups>;
