import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES } from './fixtures.js';

/**
 * The "world" the fake ListenBrainz and MusicBrainz servers answer from: for each track a test
 * names (artist, title, album), a MusicBrainz recording with artists, areas, tags, release, release
 * group and popularity, deterministic from the names. Response bodies are built by cloning the REAL
 * recorded responses in test/fixtures/listenbrainz/ and test/fixtures/musicbrainz/ and replacing
 * their values, so every key and nesting is what the services send.
 *
 * Some tracks are deliberately unknown (`unknownEvery`), and some get a ListenBrainz match of another
 * song (`decoyEvery`, which a careful client must refuse).
 */

/** Parsed real responses (read once per process: they are test fixtures, never changed). */
export const REAL = {
  lookup: JSON.parse(readFileSync(path.join(FIXTURES, 'listenbrainz', 'mb_lookup_metadata_example.json'), 'utf8')) as Record<string, unknown>,
  recordingMeta: JSON.parse(readFileSync(path.join(FIXTURES, 'listenbrainz', 'mb_metadata_cache_example.json'), 'utf8')) as Record<string, Record<string, any>>,
  releaseGroupMeta: JSON.parse(readFileSync(path.join(FIXTURES, 'listenbrainz', 'mb_release_group_metadata_cache_example.json'), 'utf8')) as Record<string, Record<string, any>>,
  artistMeta: JSON.parse(readFileSync(path.join(FIXTURES, 'listenbrainz', 'mb_artist_metadata_example.json'), 'utf8')) as Record<string, any>[],
  mbArtist: JSON.parse(readFileSync(path.join(FIXTURES, 'musicbrainz', 'artist.json'), 'utf8')) as Record<string, any>,
  mbRecording: JSON.parse(readFileSync(path.join(FIXTURES, 'musicbrainz', 'recording.json'), 'utf8')) as Record<string, any>,
};

export interface Tag { tag: string; count: number; genre_mbid?: string }
export interface WorldArea { mbid: string; name: string; type: 'Country' | 'Subdivision' | 'County' | 'City'; iso1: string | null; parent: string | null }
export interface WorldArtist { mbid: string; name: string; type: string; begin_year: number | null; area: string | null; tags: Tag[] }
export interface WorldReleaseGroup { mbid: string; name: string; type: string; date: string; caa_id: number | null; caa_release_mbid: string | null }
export interface WorldRecording {
  mbid: string; title: string; artist: WorldArtist; length_ms: number; isrcs: string[];
  release: { mbid: string; name: string; year: number; caa_id: number | null; caa_release_mbid: string | null; group: WorldReleaseGroup };
  recording_tags: Tag[]; release_group_tags: Tag[];
  listeners: number | null; listens: number | null;
}
export interface WorldTrack { artist: string; title: string; album: string | null; isrc?: string | null; duration_ms?: number | null }

/** A deterministic UUID from text (hash-shaped; MusicBrainz ids are random v4, which any 8-4-4-4-12 hex fits). */
export function uuidOf(text: string): string {
  const h = createHash('sha1').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
function num(text: string, mod: number): number {
  return parseInt(createHash('md5').update(text).digest('hex').slice(0, 8), 16) % mod;
}
/** The fake's own loose name key (lower-case letters and digits only). */
export function looseKey(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

/** Genres from the real examples (with their real genre MBIDs) plus a few more (ids derived from the name). */
const GENRES: Tag[] = [
  { tag: 'trip hop', count: 0, genre_mbid: '45eb1d9c-588c-4dc8-9394-a14b7c8f02bc' },
  { tag: 'downtempo', count: 0, genre_mbid: 'cc38aba3-48ed-439a-83b9-f81a34a66598' },
  { tag: 'electronic', count: 0, genre_mbid: '89255676-1f14-4dd8-bbad-fca839d6aff4' },
  { tag: 'experimental rock', count: 0, genre_mbid: '65c97e89-b42b-45c2-a70e-0eca1b8f0ff7' },
  ...['pop', 'rock', 'hip hop', 'indie pop', 'folk', 'jazz', 'soul', 'metal', 'synth-pop', 'k-pop', 'latin pop', 'dance-pop']
    .map((tag) => ({ tag, count: 0, genre_mbid: uuidOf(`genre ${tag}`) })),
];
/** Free tags (no genre_mbid), as in the real examples. */
const FREE_TAGS = ['trip-hop', 'mysterious', 'seen live', 'british', 'favourite'];

/**
 * Areas: real ids for United Kingdom (artist.json), Argentina and Hebden Bridge (artist.json's
 * begin-area); the chain Hebden Bridge → Calderdale → England → United Kingdom walks up like
 * MusicBrainz's; "Georgia" is the US state (a name that is also a country's); Europe has code XE.
 */
export const AREAS: WorldArea[] = [
  { mbid: '8a754a16-0027-3a29-b6d7-2b40ea0481ed', name: 'United Kingdom', type: 'Country', iso1: 'GB', parent: null },
  { mbid: '0df04709-c7d8-3b55-a6ea-f3e5069a947b', name: 'Argentina', type: 'Country', iso1: 'AR', parent: null },
  { mbid: uuidOf('area US'), name: 'United States', type: 'Country', iso1: 'US', parent: null },
  { mbid: uuidOf('area DE'), name: 'Germany', type: 'Country', iso1: 'DE', parent: null },
  { mbid: uuidOf('area KR'), name: 'South Korea', type: 'Country', iso1: 'KR', parent: null },
  { mbid: uuidOf('area SE'), name: 'Sweden', type: 'Country', iso1: 'SE', parent: null },
  { mbid: uuidOf('area England'), name: 'England', type: 'Subdivision', iso1: null, parent: '8a754a16-0027-3a29-b6d7-2b40ea0481ed' },
  { mbid: uuidOf('area Calderdale'), name: 'Calderdale', type: 'County', iso1: null, parent: uuidOf('area England') },
  { mbid: '3bad79a2-895a-49ff-8277-fe683fade6b2', name: 'Hebden Bridge', type: 'City', iso1: null, parent: uuidOf('area Calderdale') },
  { mbid: uuidOf('area Bristol'), name: 'Bristol', type: 'City', iso1: null, parent: uuidOf('area England') },
  { mbid: uuidOf('area Georgia'), name: 'Georgia', type: 'Subdivision', iso1: null, parent: uuidOf('area US') },
  { mbid: uuidOf('area Buenos Aires'), name: 'Buenos Aires', type: 'City', iso1: null, parent: '0df04709-c7d8-3b55-a6ea-f3e5069a947b' },
  { mbid: uuidOf('area Europe'), name: 'Europe', type: 'Country', iso1: 'XE', parent: null },
];
/** Which area an artist gets, by hash: mostly countries named as such, some cities and regions, a few none. */
const AREA_PICKS = ['United Kingdom', 'United States', 'United States', 'Germany', 'Argentina', 'South Korea', 'Sweden', 'Hebden Bridge',
  'Bristol', 'Georgia', 'Buenos Aires', 'Europe', null] as const;

export interface World {
  recordings: Map<string, WorldRecording>;
  artists: Map<string, WorldArtist>;
  areas: Map<string, WorldArea>;
  releaseGroups: Map<string, WorldReleaseGroup>;
  /** looseKey(artist) + '|' + looseKey(title) → recording (the tracks the world knows). */
  byName: Map<string, WorldRecording>;
  byIsrc: Map<string, WorldRecording[]>;
  /** Tracks whose ListenBrainz lookup answers another song (a careful client refuses it). */
  decoys: Set<string>;
  /** The key of a track. */
  keyOf(artist: string, title: string): string;
}

/**
 * Builds the world for `tracks`. Every `unknownEvery`-th distinct track is unknown to both services;
 * every `decoyEvery`-th gets a wrong ListenBrainz match. Tags per recording vary so that every level
 * of the genre rule (recording, else artist, else release group, else none) occurs.
 */
export function buildWorld(tracks: WorldTrack[], { unknownEvery = 13, decoyEvery = 29, albumsPerArtist = 3 } = {}): World {
  const world: World = { recordings: new Map(), artists: new Map(), areas: new Map(AREAS.map((a) => [a.mbid, a])), releaseGroups: new Map(),
    byName: new Map(), byIsrc: new Map(), decoys: new Set(), keyOf: (a, t) => `${looseKey(a)}|${looseKey(t)}` };
  const tags = (seed: string, n: number): Tag[] => {
    const out: Tag[] = [];
    for (let i = 0; i < n; i++) {
      const g = GENRES[num(`${seed} g${i}`, GENRES.length)]!;
      if (!out.some((t) => t.tag === g.tag)) out.push({ tag: g.tag, genre_mbid: g.genre_mbid!, count: 1 + num(`${seed} c${i}`, 15) });
    }
    out.push({ tag: FREE_TAGS[num(`${seed} free`, FREE_TAGS.length)]!, count: 1 + num(`${seed} fc`, 9) });
    return out;
  };
  const seen = new Set<string>();
  let index = 0;
  for (const t of tracks) {
    const key = world.keyOf(t.artist, t.title);
    if (seen.has(key)) continue;
    seen.add(key);
    index++;
    if (index % unknownEvery === 0) continue;
    let artist = world.artists.get(looseKey(t.artist));
    if (!artist) {
      const areaName = AREA_PICKS[num(`area ${t.artist}`, AREA_PICKS.length)]!;
      const area = areaName ? AREAS.find((a) => a.name === areaName)! : null;
      const level = num(`artist tags ${t.artist}`, 4);
      artist = { mbid: uuidOf(`artist ${t.artist}`), name: t.artist, type: num(`type ${t.artist}`, 3) === 0 ? 'Person' : 'Group',
        begin_year: 1950 + num(`begin ${t.artist}`, 70), area: area?.name ?? null, tags: level === 0 ? [] : tags(`artist ${t.artist}`, level) };
      world.artists.set(looseKey(t.artist), artist);
    }
    const albumName = t.album ?? `${t.artist} album ${num(t.title, albumsPerArtist)}`;
    const groupMbid = uuidOf(`rg ${t.artist} ${albumName}`);
    let group = world.releaseGroups.get(groupMbid);
    const year = 1960 + num(`year ${t.artist} ${albumName}`, 65);
    if (!group) {
      const firstYear = num(`remaster ${albumName}`, 5) === 0 ? year - 1 - num(`orig ${albumName}`, 20) : year;
      const caa = num(`caa ${albumName}`, 5) !== 0;
      group = { mbid: groupMbid, name: albumName, type: ['Album', 'Album', 'Single', 'EP'][num(`rgtype ${albumName}`, 4)]!, date: `${firstYear}-0${1 + num(albumName, 9)}-1${num(albumName, 9)}`,
        caa_id: caa ? 1_000_000 + num(`caaid ${albumName}`, 9_000_000) : null, caa_release_mbid: caa ? uuidOf(`release ${t.artist} ${albumName}`) : null };
      world.releaseGroups.set(groupMbid, group);
    }
    const shape = num(`shape ${key}`, 10); // 0-4: recording genres, 5-7: none on the recording, 8-9: no tags at all on the recording
    const rec: WorldRecording = {
      mbid: uuidOf(`recording ${key}`), title: t.title, artist, length_ms: t.duration_ms ?? 180_000 + num(`len ${key}`, 120_000),
      isrcs: t.isrc ? [t.isrc] : [],
      release: { mbid: uuidOf(`release ${t.artist} ${albumName}`), name: albumName, year, caa_id: group.caa_id, caa_release_mbid: group.caa_release_mbid, group },
      recording_tags: shape < 5 ? tags(`rec ${key}`, 1 + num(`n ${key}`, 3)) : shape < 8 ? [{ tag: FREE_TAGS[0]!, count: 2 }] : [],
      release_group_tags: num(`rgtags ${albumName}`, 3) === 0 ? [] : tags(`rg ${albumName}`, 2),
      listeners: num(`pop? ${key}`, 8) === 0 ? null : Math.floor(10 ** (num(`pop ${key}`, 600) / 100)),
      listens: null,
    };
    rec.listens = rec.listeners === null ? null : rec.listeners * (1 + num(`listens ${key}`, 20));
    world.recordings.set(rec.mbid, rec);
    world.byName.set(key, rec);
    for (const code of rec.isrcs) world.byIsrc.set(code, [...(world.byIsrc.get(code) ?? []), rec]);
    if (index % decoyEvery === 0) world.decoys.add(key);
  }
  return world;
}

/** The country an artist's area lies in, walking up (null: none, or not an ISO country). */
export function countryOfArea(world: World, areaName: string | null): string | null {
  let area = AREAS.find((a) => a.name === areaName) ?? null;
  for (let i = 0; area && i < 10; i++) {
    if (area.iso1) return area.iso1 === 'XE' ? null : area.iso1;
    area = area.parent ? world.areas.get(area.parent) ?? null : null;
  }
  return null;
}

/** A ListenBrainz metadata/recording entry: the real example cloned, its values replaced. */
export function recordingEntry(rec: WorldRecording): Record<string, unknown> {
  const real = structuredClone(Object.values(REAL.recordingMeta)[0]!);
  const a = rec.artist;
  real.tag.recording = rec.recording_tags.map((t) => ({ ...t }));
  real.tag.artist = a.tags.map((t) => ({ artist_mbid: a.mbid, ...t }));
  real.tag.release_group = rec.release_group_tags.map((t) => ({ ...t }));
  real.recording = { rels: [] };
  real.release = { ...real.release, album_artist_name: a.name, caa_id: rec.release.caa_id, caa_release_mbid: rec.release.caa_release_mbid,
    mbid: rec.release.mbid, name: rec.release.name, release_group_mbid: rec.release.group.mbid, year: rec.release.year };
  if (rec.release.caa_id === null) { delete real.release.caa_id; delete real.release.caa_release_mbid; }
  const artist = { ...real.artist.artists[0], artist_mbid: a.mbid, begin_year: a.begin_year, name: a.name, type: a.type, rels: {} };
  if (a.area === null) delete artist.area; else artist.area = a.area;
  real.artist = { ...real.artist, artist_credit_id: 1000 + (parseInt(a.mbid.slice(0, 6), 16) % 100000), name: a.name, artists: [artist] };
  return real;
}

/** A ListenBrainz metadata/release_group entry (the real example cloned). */
export function releaseGroupEntry(group: WorldReleaseGroup, rec: WorldRecording | undefined): Record<string, unknown> {
  const real = structuredClone(Object.values(REAL.releaseGroupMeta)[0]!);
  const g = { ...real.release_group, name: group.name, type: group.type, date: group.date, caa_id: group.caa_id, caa_release_mbid: group.caa_release_mbid, rels: [] };
  if (group.caa_id === null) { delete g.caa_id; delete g.caa_release_mbid; }
  real.release_group = g;
  real.release = { ...g };
  if (rec) real.artist = { ...real.artist, name: rec.artist.name, artists: [{ ...real.artist.artists[0], artist_mbid: rec.artist.mbid, name: rec.artist.name }] };
  real.tag = { artist: [], release_group: rec?.release_group_tags ?? [] };
  return real;
}

/** A MusicBrainz ws/2 recording (search result or ISRC lookup): recording.json's keys, our values. */
export function mbRecording(rec: WorldRecording, score: number | null): Record<string, unknown> {
  const real = REAL.mbRecording;
  const out: Record<string, unknown> = {
    id: rec.mbid, title: rec.title, length: rec.length_ms, 'first-release-date': rec.release.group.date, disambiguation: real.disambiguation ?? '',
    video: false, isrcs: rec.isrcs,
    'artist-credit': [{ ...real['artist-credit'][0], name: rec.artist.name, joinphrase: '',
      artist: { ...real['artist-credit'][0].artist, id: rec.artist.mbid, name: rec.artist.name, 'sort-name': rec.artist.name, tags: [] } }],
    releases: [{ id: rec.release.mbid, title: rec.release.name, status: 'Official', 'release-group': { id: rec.release.group.mbid, 'primary-type': rec.release.group.type } }],
  };
  if (score !== null) out.score = score;
  return out;
}

/** A MusicBrainz ws/2 artist (artist.json cloned; area with iso-3166-1-codes only when it is a country). */
export function mbArtist(artist: WorldArtist): Record<string, unknown> {
  const real = structuredClone(REAL.mbArtist);
  delete real.aliases;
  const area = AREAS.find((a) => a.name === artist.area) ?? null;
  return { ...real, id: artist.mbid, name: artist.name, 'sort-name': artist.name, type: artist.type, disambiguation: '',
    country: area?.iso1 && area.type === 'Country' ? area.iso1 : null,
    area: area ? areaRef(area) : null, 'begin-area': null, 'life-span': { begin: artist.begin_year ? String(artist.begin_year) : null, end: null, ended: false } };
}

function areaRef(area: WorldArea): Record<string, unknown> {
  const ref: Record<string, unknown> = { id: area.mbid, name: area.name, 'sort-name': area.name, disambiguation: '', type: area.type };
  if (area.iso1) ref['iso-3166-1-codes'] = [area.iso1];
  return ref;
}

/** A MusicBrainz ws/2 area with inc=area-rels: "part of" backward to its parent (the shape MusicBrainz sends). */
export function mbArea(world: World, area: WorldArea): Record<string, unknown> {
  const parent = area.parent ? world.areas.get(area.parent) : undefined;
  const children = [...world.areas.values()].filter((a) => a.parent === area.mbid);
  const rel = (target: WorldArea, direction: 'backward' | 'forward') => ({ type: 'part of', 'type-id': 'de7cc874-8b1b-3a05-8272-f3834c968fb7', direction,
    'target-type': 'area', attributes: [], begin: null, end: null, ended: false, 'source-credit': '', 'target-credit': '', area: areaRef(target) });
  return { ...areaRef(area), 'life-span': { begin: null, end: null, ended: false },
    relations: [...children.map((c) => rel(c, 'forward')), ...(parent ? [rel(parent, 'backward')] : [])] };
}
