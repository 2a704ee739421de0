import { inFixedChunks, placeholders, type Store } from '../store/index.js';

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

  type TrackRow = { id: number; album_id: number | null; name: string; uri: string | null; isrc: string | null; artist_name: string | null };
  type AlbumRow = { id: number; name: string; image_url: string | null; spotify_id: string | null; artist_name: string | null };

  /**
   * The subjects that carry the art of albums or tracks, by the id asked for (null: no such id). A
   * handful of queries for a whole list (a top list asks for 50), not four per item.
   */
  function subjectsOf(kind: 'album' | 'track', ids: readonly number[]): Map<number, ArtSubject | null> {
    const out = new Map<number, ArtSubject | null>();
    const wanted = [...new Set(ids)];
    const albumOf = new Map<number, number>();
    if (kind === 'track') {
      const tracks = new Map<number, TrackRow>();
      inFixedChunks(wanted, (chunk, size) => {
        for (const t of sql.all<TrackRow>(`SELECT t.id AS id, t.album_id AS album_id, t.name AS name, t.uri AS uri, t.isrc AS isrc,
          ar.name AS artist_name FROM tracks t LEFT JOIN artists ar ON ar.id = t.artist_id WHERE t.id IN (${placeholders(size)})`, chunk)) tracks.set(t.id, t);
      });
      for (const id of wanted) {
        const t = tracks.get(id);
        if (!t) out.set(id, null);
        else if (t.album_id === null) {
          out.set(id, { kind: 'track', id, name: t.name, artist_name: t.artist_name, stored_url: null,
            track_uri: t.uri?.startsWith('spotify:track:') ? t.uri : null, album_spotify_id: null, isrc: t.isrc });
        } else albumOf.set(id, t.album_id);
      }
    } else for (const id of wanted) albumOf.set(id, id);
    const albumIds = [...new Set(albumOf.values())];
    const albums = new Map<number, AlbumRow>();
    const firstTrack = new Map<number, { uri: string | null; isrc: string | null }>();
    inFixedChunks(albumIds, (chunk, size) => {
      for (const a of sql.all<AlbumRow>(`SELECT al.id AS id, al.name AS name, al.image_url AS image_url, al.spotify_id AS spotify_id,
        ar.name AS artist_name FROM albums al LEFT JOIN artists ar ON ar.id = al.artist_id WHERE al.id IN (${placeholders(size)})`, chunk)) albums.set(a.id, a);
      // Per album its first Spotify track, one with an ISRC first (the tracks_album index; a few rows per album).
      for (const t of sql.all<{ album_id: number; uri: string | null; isrc: string | null }>(`SELECT album_id, uri, isrc FROM tracks
        WHERE album_id IN (${placeholders(size)}) AND uri LIKE 'spotify:track:%' ORDER BY album_id, isrc IS NULL, id`, chunk)) {
        if (!firstTrack.has(t.album_id)) firstTrack.set(t.album_id, { uri: t.uri, isrc: t.isrc });
      }
    });
    for (const [id, albumId] of albumOf) {
      const a = albums.get(albumId);
      const track = firstTrack.get(albumId);
      out.set(id, a ? { kind: 'album', id: albumId, name: a.name, artist_name: a.artist_name, stored_url: a.image_url, track_uri: track?.uri ?? null,
        album_spotify_id: a.spotify_id, isrc: track?.isrc ?? null } : null);
    }
    return out;
  }

  /** The subject that carries the art of an album or track, or null when there is no such id. */
  function subjectOf(kind: 'album' | 'track', id: number): ArtSubject | null {
    return subjectsOf(kind, [id]).get(id) ?? null;
  }

  const recordOf = (r: { url: string | null; source: string | null; tried: string }): ArtRecord =>
    ({ url: r.url, source: r.source, tried: new Set(r.tried ? r.tried.split(',') : []) });

  function record(subject: ArtSubject): ArtRecord | null {
    const r = sql.get<{ url: string | null; source: string | null; tried: string }>('SELECT url, source, tried FROM art_urls WHERE kind = ? AND id = ?',
      [code(subject.kind), subject.id]);
    return r ? recordOf(r) : null;
  }

  /** The records of many subjects, by `kind:id` (absent: none yet). */
  function records(list: readonly ArtSubject[]): Map<string, ArtRecord> {
    const out = new Map<string, ArtRecord>();
    for (const kind of ['album', 'track'] as const) {
      const ids = [...new Set(list.filter((s) => s.kind === kind).map((s) => s.id))];
      inFixedChunks(ids, (chunk, size) => {
        for (const r of sql.all<{ id: number; url: string | null; source: string | null; tried: string }>(`SELECT id, url, source, tried FROM art_urls
          WHERE kind = ? AND id IN (${placeholders(size)})`, [code(kind), ...chunk])) out.set(`${kind}:${r.id}`, recordOf(r));
      });
    }
    return out;
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

  return { subjectOf, subjectsOf, record, records, save };
}
