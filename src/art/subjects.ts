import type { Store } from '../store/index.js';

/**
 * What cover art is looked up for: an album (a track with an album shows its album's art), or a
 * track without one. Resolvers get every fact they may need to find it.
 */
export interface ArtSubject {
  kind: 'album' | 'track';
  id: number;
  name: string;
  artist_name: string | null;
  /** The image URL the store already holds (from a Spotify album object), if any. */
  stored_url: string | null;
  /** A Spotify track URI of this album (or the track itself), for resolvers that look tracks up. */
  track_uri: string | null;
  album_spotify_id: string | null;
  /** An ISRC of this album's tracks (or the track's), for resolvers that match recordings. */
  isrc: string | null;
}

/** Stored art URLs per subject: kind 0 album, 1 track. */
export const ART_MIGRATIONS = [`
  CREATE TABLE art_urls (
    kind INTEGER NOT NULL, id INTEGER NOT NULL,
    url TEXT, source TEXT,
    tried TEXT NOT NULL DEFAULT '',
    checked_at INTEGER NOT NULL,
    PRIMARY KEY (kind, id)
  ) WITHOUT ROWID;
`];

/** What the store remembers of one subject: the URL a resolver found, and the resolvers that had none. */
export interface ArtRecord { url: string | null; source: string | null; tried: Set<string> }

/** Reads subjects and their art records from the store; writes records (derived data, rebuilt when lost). */
export function createArtSubjects(store: Store, now: () => number) {
  const { sql } = store;
  const code = (kind: ArtSubject['kind']) => (kind === 'album' ? 0 : 1);

  /** The subject that carries the art of an album or track, or null when there is no such id. */
  function subjectOf(kind: 'album' | 'track', id: number): ArtSubject | null {
    let albumId: number | null = kind === 'album' ? id : null;
    if (kind === 'track') {
      const t = sql.get<{ album_id: number | null; name: string; uri: string | null; isrc: string | null; artist_name: string | null }>(`SELECT t.album_id AS album_id,
        t.name AS name, t.uri AS uri, t.isrc AS isrc, ar.name AS artist_name FROM tracks t LEFT JOIN artists ar ON ar.id = t.artist_id WHERE t.id = ?`, [id]);
      if (!t) return null;
      if (t.album_id === null) {
        return { kind: 'track', id, name: t.name, artist_name: t.artist_name, stored_url: null, track_uri: t.uri?.startsWith('spotify:track:') ? t.uri : null,
          album_spotify_id: null, isrc: t.isrc };
      }
      albumId = t.album_id;
    }
    const a = sql.get<{ name: string; image_url: string | null; spotify_id: string | null; artist_name: string | null }>(`SELECT al.name AS name,
      al.image_url AS image_url, al.spotify_id AS spotify_id, ar.name AS artist_name FROM albums al LEFT JOIN artists ar ON ar.id = al.artist_id
      WHERE al.id = ?`, [albumId!]);
    if (!a) return null;
    const track = sql.get<{ uri: string | null; isrc: string | null }>(`SELECT uri, isrc FROM tracks WHERE album_id = ? AND uri LIKE 'spotify:track:%'
      ORDER BY isrc IS NULL LIMIT 1`, [albumId!]);
    return { kind: 'album', id: albumId!, name: a.name, artist_name: a.artist_name, stored_url: a.image_url, track_uri: track?.uri ?? null,
      album_spotify_id: a.spotify_id, isrc: track?.isrc ?? null };
  }

  function record(subject: ArtSubject): ArtRecord | null {
    const r = sql.get<{ url: string | null; source: string | null; tried: string }>('SELECT url, source, tried FROM art_urls WHERE kind = ? AND id = ?',
      [code(subject.kind), subject.id]);
    return r ? { url: r.url, source: r.source, tried: new Set(r.tried ? r.tried.split(',') : []) } : null;
  }

  /** Saves what a resolver found (a URL) or that it had none (its name joins `tried`); clears the URL when it failed for good. */
  async function save(subject: ArtSubject, change: { found?: { url: string; source: string }; none?: string }): Promise<void> {
    await store.exclusive(() => store.transaction(() => {
      const prev = record(subject);
      const tried = new Set(prev?.tried ?? []);
      if (change.none) tried.add(change.none);
      const url = change.found?.url ?? (change.none && prev?.source === change.none ? null : prev?.url ?? null);
      const source = change.found?.source ?? (url === null ? null : prev?.source ?? null);
      sql.exec(`INSERT INTO art_urls (kind, id, url, source, tried, checked_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (kind, id) DO UPDATE SET
        url = excluded.url, source = excluded.source, tried = excluded.tried, checked_at = excluded.checked_at`,
      [code(subject.kind), subject.id, url, source, [...tried].join(','), now()]);
    }));
  }

  return { subjectOf, record, save };
}
