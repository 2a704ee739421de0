import type { Sql } from './sql.js';
import type { ContentType, TrackInfo } from '../types.js';
import { nameKey, trackNameKey } from './names.js';

export const CONTENT_CODE: Record<ContentType, number> = { track: 0, episode: 1, audiobook: 2 };
export const CONTENT_NAME: ContentType[] = ['track', 'episode', 'audiobook'];

/** A track as ingest needs it for matching. */
export interface TrackRef { id: number; uri: string | null; name_key: string }

/**
 * Accounts, labels (interned short strings), artists, albums and tracks. Upserts keep the first
 * name seen and fill in ids that were missing (an account-data track gains its URI when an extended
 * export or the API names it).
 */
export function createCatalog(sql: Sql, now: () => number) {
  const labelIds = new Map<string, number>();
  const labelNames = new Map<number, string>();
  const accountIds = new Map<string, number>();
  const accountNames = new Map<number, string>();

  function load(): void {
    labelIds.clear(); labelNames.clear(); accountIds.clear(); accountNames.clear();
    for (const row of sql.all<{ id: number; name: string }>('SELECT id, name FROM labels')) {
      labelIds.set(row.name, row.id); labelNames.set(row.id, row.name);
    }
    for (const row of sql.all<{ id: number; name: string }>('SELECT id, name FROM accounts')) {
      accountIds.set(row.name, row.id); accountNames.set(row.id, row.name);
    }
  }
  load();

  /** The id of an interned string (reason codes, platforms, devices); null stays null. */
  function label(name: string | null | undefined): number | null {
    if (name === null || name === undefined || name === '') return null;
    let id = labelIds.get(name);
    if (id === undefined) {
      id = sql.get<{ id: number }>('INSERT INTO labels (name) VALUES (?) RETURNING id', [name])!.id;
      labelIds.set(name, id); labelNames.set(id, name);
    }
    return id;
  }
  function labelName(id: number | null): string | null {
    return id === null ? null : labelNames.get(id) ?? null;
  }

  /** The id of an account, created on first use. */
  function accountId(name: string): number {
    let id = accountIds.get(name);
    if (id === undefined) {
      id = sql.get<{ id: number }>('INSERT INTO accounts (name, created_at) VALUES (?, ?) RETURNING id', [name, now()])!.id;
      accountIds.set(name, id); accountNames.set(id, name);
    }
    return id;
  }
  function accountName(id: number): string {
    return accountNames.get(id) ?? String(id);
  }
  function accounts(): { id: number; name: string }[] {
    return [...accountIds].map(([name, id]) => ({ id, name }));
  }
  function findAccountId(name: string): number | undefined {
    return accountIds.get(name);
  }

  function artistId(spotifyId: string | null, name: string): number {
    const key = nameKey(name);
    if (spotifyId) {
      const byId = sql.get<{ id: number }>('SELECT id FROM artists WHERE spotify_id = ?', [spotifyId]);
      if (byId) return byId.id;
      const byName = sql.get<{ id: number }>('SELECT id FROM artists WHERE name_key = ? AND spotify_id IS NULL LIMIT 1', [key]);
      if (byName) {
        sql.exec('UPDATE artists SET spotify_id = ? WHERE id = ?', [spotifyId, byName.id]);
        return byName.id;
      }
    } else {
      const byName = sql.get<{ id: number }>('SELECT id FROM artists WHERE name_key = ? ORDER BY spotify_id IS NULL LIMIT 1', [key]);
      if (byName) return byName.id;
    }
    return sql.get<{ id: number }>('INSERT INTO artists (spotify_id, name, name_key) VALUES (?, ?, ?) RETURNING id',
      [spotifyId, name, key])!.id;
  }

  function albumId(spotifyId: string | null, name: string, artist: number | null, imageUrl: string | null): number {
    const key = `${artist ?? ''}\u0001${nameKey(name)}`;
    if (spotifyId) {
      const byId = sql.get<{ id: number; image_url: string | null }>('SELECT id, image_url FROM albums WHERE spotify_id = ?', [spotifyId]);
      if (byId) {
        if (imageUrl && byId.image_url !== imageUrl) sql.exec('UPDATE albums SET image_url = ? WHERE id = ?', [imageUrl, byId.id]);
        return byId.id;
      }
      const byName = sql.get<{ id: number }>('SELECT id FROM albums WHERE name_key = ? AND spotify_id IS NULL LIMIT 1', [key]);
      if (byName) {
        sql.exec('UPDATE albums SET spotify_id = ?, image_url = coalesce(?, image_url) WHERE id = ?', [spotifyId, imageUrl, byName.id]);
        return byName.id;
      }
    } else {
      const byName = sql.get<{ id: number }>('SELECT id FROM albums WHERE name_key = ? ORDER BY spotify_id IS NULL LIMIT 1', [key]);
      if (byName) return byName.id;
    }
    return sql.get<{ id: number }>('INSERT INTO albums (spotify_id, name, artist_id, image_url, name_key) VALUES (?, ?, ?, ?, ?) RETURNING id',
      [spotifyId, name, artist, imageUrl, key])!.id;
  }

  function insertTrack(info: TrackInfo, key: string): TrackRef {
    const artistIds = info.artists.map((a) => artistId(a.spotify_id, a.name));
    const primary = artistIds[0] ?? null;
    const album = info.album ? albumId(info.album.spotify_id, info.album.name, primary, info.album.image_url) : null;
    const id = sql.get<{ id: number }>(
      'INSERT INTO tracks (uri, content, name, artist_id, album_id, duration_ms, isrc, name_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id',
      [info.uri, CONTENT_CODE[info.content], info.name, primary, album, info.duration_ms, info.isrc, key])!.id;
    artistIds.forEach((artist, position) => sql.exec('INSERT OR IGNORE INTO track_artists VALUES (?, ?, ?)', [id, position, artist]));
    return { id, uri: info.uri, name_key: key };
  }

  /** Fills in what an existing track lacks (duration, ISRC, album art, credited artists) from a richer source. */
  function enrichTrack(id: number, info: TrackInfo): void {
    if (info.duration_ms !== null || info.isrc !== null) {
      sql.exec('UPDATE tracks SET duration_ms = coalesce(duration_ms, ?), isrc = coalesce(isrc, ?) WHERE id = ?',
        [info.duration_ms, info.isrc, id]);
    }
    if (info.album?.spotify_id && info.artists.length > 0) {
      const row = sql.get<{ artist_id: number | null }>('SELECT artist_id FROM tracks WHERE id = ?', [id]);
      const album = albumId(info.album.spotify_id, info.album.name, row?.artist_id ?? null, info.album.image_url);
      sql.exec('UPDATE tracks SET album_id = ? WHERE id = ?', [album, id]);
      if (info.artists.length > 1 || info.artists[0]?.spotify_id) {
        info.artists.forEach((a, position) =>
          sql.exec('INSERT OR REPLACE INTO track_artists VALUES (?, ?, ?)', [id, position, artistId(a.spotify_id, a.name)]));
      }
    }
  }

  /**
   * The track for `info`, created on first sight: by URI; else (no URI, or a URI not seen yet) by
   * normalized artist + title among tracks without a URI (account-data identity), which then gain the URI.
   */
  const byUriCache = new Map<string, TrackRef>();
  function track(info: TrackInfo, enrich = false): TrackRef {
    if (info.uri && !enrich) {
      const cached = byUriCache.get(info.uri);
      if (cached) return cached;
    }
    const ref = lookupTrack(info, enrich);
    if (ref.uri) {
      if (byUriCache.size >= 20_000) byUriCache.clear();
      byUriCache.set(ref.uri, ref);
    }
    return ref;
  }

  function lookupTrack(info: TrackInfo, enrich: boolean): TrackRef {
    const key = trackNameKey(info.artists[0]?.name ?? '', info.name);
    if (info.uri) {
      const byUri = sql.get<{ id: number }>('SELECT id FROM tracks WHERE uri = ?', [info.uri]);
      if (byUri) {
        if (enrich) enrichTrack(byUri.id, info);
        return { id: byUri.id, uri: info.uri, name_key: key };
      }
      const byName = sql.get<{ id: number }>('SELECT id FROM tracks WHERE name_key = ? AND uri IS NULL AND content = ? LIMIT 1',
        [key, CONTENT_CODE[info.content]]);
      if (byName) {
        sql.exec('UPDATE tracks SET uri = ? WHERE id = ?', [info.uri, byName.id]);
        enrichTrack(byName.id, info);
        return { id: byName.id, uri: info.uri, name_key: key };
      }
      return insertTrack(info, key);
    }
    const byName = sql.get<{ id: number; uri: string | null }>(
      'SELECT id, uri FROM tracks WHERE name_key = ? AND content = ? ORDER BY uri IS NULL LIMIT 1', [key, CONTENT_CODE[info.content]]);
    if (byName) return { id: byName.id, uri: byName.uri, name_key: key };
    return insertTrack(info, key);
  }

  /** Reloads every cache from the database (after a rollback the cached ids may no longer exist). */
  function reload(): void { byUriCache.clear(); load(); }

  return { label, labelName, accountId, accountName, accounts, findAccountId, track, reload };
}

export type Catalog = ReturnType<typeof createCatalog>;
