import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { sniffImage } from './fetch.js';

/** The file an image URL is cached under (a hash: URLs never become paths). */
export const fileOf = (url: string) => createHash('sha256').update(url).digest('hex').slice(0, 40);

/** Deletes a file; one that is already gone is fine, any other failure is thrown. */
async function removeIfThere(file: string): Promise<void> {
  try { await unlink(file); } catch (err) { if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err; }
}

/**
 * Image bytes on disk under `dir`, at most `capBytes` in all: least recently used files go first.
 * File names are a hash of the URL; the type is sniffed from the bytes when read. The index of
 * sizes and last uses lives in memory (rebuilt from the folder at open, by modification time).
 */
export async function openArtCache(dir: string, capBytes: number) {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const index = new Map<string, { size: number; used: number }>();
  let total = 0;
  let clock = 0;
  for (const name of await readdir(dir)) {
    if (name.endsWith('.tmp')) { await removeIfThere(path.join(dir, name)); continue; } // a write a crash interrupted
    if (!/^[0-9a-f]{40}$/.test(name)) continue;
    const s = await stat(path.join(dir, name));
    index.set(name, { size: s.size, used: s.mtimeMs });
    total += s.size;
  }
  // Ordered uses: start after every file's mtime so new uses are always newer.
  clock = Math.max(0, ...[...index.values()].map((e) => e.used)) + 1;

  async function evict(): Promise<void> {
    if (total <= capBytes) return;
    const oldest = [...index.entries()].sort((a, b) => a[1].used - b[1].used);
    for (const [name, entry] of oldest) {
      if (total <= capBytes) break;
      await removeIfThere(path.join(dir, name));
      index.delete(name);
      total -= entry.size;
    }
  }

  return {
    /** The cached image of a URL, or null. */
    async get(url: string): Promise<{ bytes: Buffer; type: string } | null> {
      const name = fileOf(url);
      const entry = index.get(name);
      if (!entry) return null;
      let bytes: Buffer;
      try { bytes = await readFile(path.join(dir, name)); } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        index.delete(name); total -= entry.size;
        return null;
      }
      const type = sniffImage(bytes);
      if (!type) { index.delete(name); total -= entry.size; await removeIfThere(path.join(dir, name)); return null; }
      entry.used = clock++;
      return { bytes, type };
    },
    /** Stores an image (temp file, fsync, rename), then evicts past the cap. @throws the fs error (ENOSPC…). */
    async put(url: string, bytes: Buffer): Promise<void> {
      const name = fileOf(url);
      const file = path.join(dir, name);
      const tmp = `${file}.tmp`;
      const fh = await open(tmp, 'w', 0o600);
      try { await fh.writeFile(bytes); await fh.sync(); } finally { await fh.close(); }
      await rename(tmp, file);
      const prev = index.get(name);
      if (prev) total -= prev.size;
      index.set(name, { size: bytes.byteLength, used: clock++ });
      total += bytes.byteLength;
      await evict();
    },
    has: (url: string) => index.has(fileOf(url)),
    /** Files and bytes held. */
    status: () => ({ files: index.size, bytes: total, cap_bytes: capBytes }),
  };
}

export type ArtCache = Awaited<ReturnType<typeof openArtCache>>;
