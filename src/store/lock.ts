import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { chmod, mkdir, unlink } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { VibescopeError } from '../errors.js';

/** The lock of a data folder: a Unix socket the holding process listens on. */
export const LOCK_SOCKET = 'vibescope.sock';
/** The lock file of Vibescope 0.1 (a pid inside); removed when found. */
const LEGACY_LOCK_FILE = 'vibescope.lock';
/** sun_path holds 108 bytes on Linux; longer folder paths use a socket in the temp folder named by a hash. */
const MAX_SOCKET_PATH = 100;

/** What the holder tells a client that connects to the lock socket (`vibescope connect` finds the server this way). */
export interface LockInfo { pid: number; port: number | null; version: string }

/** The socket in the temp folder for `dataDir` (long folder paths, read-only data folders). */
function fallbackSocketOf(dataDir: string): string {
  return path.join(tmpdir(), `vibescope-${createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 16)}.sock`);
}

function socketPathOf(dataDir: string): string {
  const direct = path.join(dataDir, LOCK_SOCKET);
  return Buffer.byteLength(direct) <= MAX_SOCKET_PATH ? direct : fallbackSocketOf(dataDir);
}

/**
 * Asks the process holding `dataDir`'s lock who it is.
 * @returns its info, or null when no live process holds the lock (no socket, or nobody accepts).
 */
export async function lockHolder(dataDir: string, timeoutMs = 2_000): Promise<LockInfo | null> {
  const direct = await askHolder(socketPathOf(dataDir), timeoutMs);
  return direct ?? askHolder(fallbackSocketOf(dataDir), timeoutMs);
}

async function askHolder(socketPath: string, timeoutMs: number): Promise<LockInfo | null> {
  return new Promise((resolve) => {
    const socket = connect(socketPath);
    let text = '';
    const timer = setTimeout(() => { socket.destroy(); resolve(null); }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => { text += chunk; });
    socket.on('end', () => {
      clearTimeout(timer);
      try { resolve(JSON.parse(text) as LockInfo); } catch { resolve({ pid: 0, port: null, version: 'unknown' }); } // a holder that says nothing useful still holds the lock
    });
    socket.on('error', () => { clearTimeout(timer); resolve(null); });
  });
}

/**
 * Takes the data folder's lock: a Unix socket in the folder that this process listens on. The
 * kernel drops it when the process dies (even on SIGKILL), so a lock left by a crash or by a
 * container restart (pid 1 again) never blocks start-up, and no pid is ever compared. Nothing is
 * written periodically (SD cards). A client that connects learns the holder's pid and HTTP port.
 * @throws VibescopeError CONFLICT when a live Vibescope holds the lock.
 */
export async function acquireDataLock(dataDir: string, info: () => LockInfo) {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await unlink(path.join(dataDir, LEGACY_LOCK_FILE)).catch(() => undefined); // 0.1's pid file: meaningless now, gone or not
  const other = await lockHolder(dataDir);
  if (other) throw conflict(other);
  let socketPath = socketPathOf(dataDir);
  const server: Server = createServer((socket) => { socket.end(JSON.stringify(info())); });
  for (let attempt = 0; ; attempt++) {
    server.listen(socketPath);
    try {
      await once(server, 'listening');
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code === 'EROFS' || code === 'EACCES') && socketPath !== fallbackSocketOf(dataDir)) {
        socketPath = fallbackSocketOf(dataDir); // a read-only data folder: lock in the temp folder instead
        continue;
      }
      if (code !== 'EADDRINUSE' || attempt > 2) throw err;
      const holder = await askHolder(socketPath, 2_000);
      if (holder) throw conflict(holder);
      await unlink(socketPath); // left by a process that died: nobody listens on it
    }
  }
  await chmod(socketPath, 0o600);
  server.unref();
  let released = false;
  return {
    socketPath,
    /** Stops listening and removes the socket. Idempotent. */
    async release(): Promise<void> {
      if (released) return;
      released = true;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await unlink(socketPath).catch(() => undefined); // close() may already have removed it
    },
  };
}

function conflict(holder: LockInfo): VibescopeError {
  return new VibescopeError('CONFLICT', `another Vibescope (pid ${holder.pid}) is already using this data folder. Stop it first, `
    + `or work through it: the panel, or its REST API${holder.port ? ` on port ${holder.port}` : ''}.`, 409);
}

export type DataLock = Awaited<ReturnType<typeof acquireDataLock>>;
