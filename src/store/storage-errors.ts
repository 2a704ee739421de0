import { StorageError, type StorageErrorCode } from '../errors.js';

/** errno → what it means for a person, and what to do (the data folder is /data in the add-on). */
const BY_ERRNO: Record<string, { code: StorageErrorCode; sentence: string }> = {
  ENOSPC: { code: 'STORAGE_FULL', sentence: 'The disk that holds Vibescope\'s data is full. Free some space on it; Vibescope retries by itself and nothing already recorded is lost.' },
  EDQUOT: { code: 'STORAGE_FULL', sentence: 'The disk quota for Vibescope\'s data is used up. Raise the quota or free some space; nothing already recorded is lost.' },
  EROFS: { code: 'STORAGE_READ_ONLY', sentence: 'The disk that holds Vibescope\'s data is read-only (often a failing SD card that the system switched to read-only). Check the disk, then restart Vibescope.' },
  EACCES: { code: 'STORAGE_READ_ONLY', sentence: 'Vibescope is not allowed to write to its data folder. Give the user that runs Vibescope write access to it, then restart.' },
  EPERM: { code: 'STORAGE_READ_ONLY', sentence: 'Vibescope is not allowed to write to its data folder. Give the user that runs Vibescope write access to it, then restart.' },
  EFBIG: { code: 'STORAGE_FILE_TOO_LARGE', sentence: 'A file in Vibescope\'s data folder reached the system\'s file-size limit. Raise the limit (ulimit -f) or move the data folder to a disk without one.' },
  EIO: { code: 'STORAGE_FAILED', sentence: 'The disk that holds Vibescope\'s data reported an input/output error. Check the disk (an SD card may be failing); nothing already recorded is lost.' },
};

/**
 * Wraps a file-system error from a write into a {@link StorageError} with a sentence for the user.
 * An error that already is a StorageError is returned as is; an unknown errno becomes STORAGE_FAILED.
 */
export function storageError(err: unknown, operation: string): StorageError {
  if (err instanceof StorageError) return err;
  const errno = (err as NodeJS.ErrnoException | null)?.code;
  const known = errno ? BY_ERRNO[errno] : undefined;
  return new StorageError(known?.code ?? 'STORAGE_FAILED',
    known?.sentence ?? 'Vibescope could not write to its data folder. See the log for the detail; nothing already recorded is lost.',
    operation, errno, { cause: err });
}

/** True when `err` is a file-system error of the kind {@link storageError} knows (the disk refused a write). */
export function isStorageErrno(err: unknown): boolean {
  const errno = (err as NodeJS.ErrnoException | null)?.code;
  return errno !== undefined && errno in BY_ERRNO;
}
