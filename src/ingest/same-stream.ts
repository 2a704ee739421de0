import { hash } from 'node:crypto';
import { SCROBBLE_SOURCES, type IncomingStream, type StreamSource } from '../types.js';
import type { Candidate, StreamFields, TrackRef } from '../store/index.js';
import { SOURCE_BIT, SOURCES_RICHEST_FIRST, trackNameKey } from '../store/index.js';
import { classify } from './classify.js';

/** PRODUCT.md "same stream": end times within ±30 s … */
export const SAME_STREAM_MS = 30_000;
/** … or ±60 s against the minute-precision account-data export. */
export const SAME_STREAM_MINUTE_MS = 60_000;
/**
 * … and against a scrobble (a listen stamped with its START by the scrobbling player): the starts
 * (ended_at - ms_played) or the ends within ±60 s, whichever is nearer. The start is what a scrobble
 * knows exactly; the end is exact for listens ListenBrainz took from Spotify itself (stamped with
 * Spotify's played_at). The minute absorbs a scrobbler's polling lag and Spotify's start estimate
 * (its `ts` minus `ms_played` excludes paused time).
 */
export const SAME_STREAM_SCROBBLE_MS = 60_000;
/** How far a stored stream's end may lie from an incoming record's end and still share its start (streams up to 20 min). */
export const SCROBBLE_LOOKAROUND_MS = 20 * 60_000;

const SCROBBLE_MASK = SCROBBLE_SOURCES.reduce((m, s) => m | SOURCE_BIT[s], 0);
/** True for sources that report listens stamped with their start (types.ts ScrobbleSource). */
export function isScrobbleSource(source: StreamSource): boolean { return (SOURCE_BIT[source] & SCROBBLE_MASK) !== 0; }

/**
 * The identity of one record: source, account, track (URI or normalized name), ended_at, ms_played,
 * hashed to 53 bits (MD5, top bits). Recording the same record twice (a re-imported file, a re-polled
 * item, a replayed journal line) hits this key and changes nothing.
 */
export function identityKey(r: IncomingStream, accountId: number): number {
  const trackKey = r.track.uri ?? (r.recording_mbid ? `mbid:${r.recording_mbid}` : trackNameKey(r.track.artists[0]?.name ?? '', r.track.name));
  const text = `${r.source}|${accountId}|${trackKey}|${r.ended_at}|${r.ms_played}`;
  // The top 53 bits of the digest: its first 32 bits shifted up 21, then the next 21 (no BigInt per row).
  const digest = hash('md5', text, 'buffer') as Buffer;
  return digest.readUInt32BE(0) * 2 ** 21 + (digest.readUInt32BE(4) >>> 11);
}

/** Allowed distance between two records of one stream (end times; starts or ends against a scrobble). */
export function toleranceMs(a: StreamSource, b: StreamSource): number {
  if (isScrobbleSource(a) || isScrobbleSource(b)) return SAME_STREAM_SCROBBLE_MS;
  return a === 'import-account' || b === 'import-account' ? SAME_STREAM_MINUTE_MS : SAME_STREAM_MS;
}

/** Same track: the same catalog track; else, where either record has no URI of its own, the same normalized artist + title. */
function sameTrack(c: Candidate, r: IncomingStream, track: TrackRef): boolean {
  if (c.track_id === track.id) return true;
  // `track.uri` may be a URI the catalog lent a record without one (name lookup): only the record's own URI rules out a name match.
  if (c.track_uri && r.track.uri) return false;
  return c.name_key === track.name_key;
}

/** A possible same-stream pairing of incoming record `index` with stored stream `candidate`. */
export interface Pairing { index: number; candidate: Candidate; distance: number }

/**
 * Whether record `r` (its track resolved to `track`) may be another record of stored stream `c`:
 * same track (URI, or normalized artist + title where either side has none), end times within
 * tolerance, and `c` holding no record from `r`'s source yet (one source never merges with itself).
 * @returns the distance of the end times in ms, or null when they cannot be the same stream.
 */
export function sameStreamDistance(c: Candidate, r: IncomingStream, track: TrackRef): number | null {
  if ((c.sources & SOURCE_BIT[r.source]) !== 0 || !sameTrack(c, r, track)) return null;
  const stored = endedAtSource(c.sources);
  let distance = Math.abs(c.ended_at - r.ended_at);
  if (isScrobbleSource(stored) || isScrobbleSource(r.source)) {
    distance = Math.min(distance, Math.abs((c.ended_at - c.ms_played) - (r.ended_at - r.ms_played)));
  }
  return distance <= toleranceMs(stored, r.source) ? distance : null;
}

/**
 * PRODUCT.md "same stream", matched one-to-one and nearest first across the whole group: every
 * (record, stored stream) pair that may be the same stream, sorted by distance (then by record order),
 * assigned greedily so no record and no stored stream is used twice.
 * @returns record index → the stored stream it merges into.
 */
export function pairNearestFirst(candidates: CandidateIndex, records: readonly IncomingStream[], tracks: readonly TrackRef[]): Map<number, Candidate> {
  const pairs: Pairing[] = [];
  records.forEach((r, index) => {
    for (const candidate of candidates.near(tracks[index]!)) {
      const distance = sameStreamDistance(candidate, r, tracks[index]!);
      if (distance !== null) pairs.push({ index, candidate, distance });
    }
  });
  pairs.sort((a, b) => a.distance - b.distance || a.index - b.index || a.candidate.id - b.candidate.id);
  const byRecord = new Map<number, Candidate>();
  const used = new Set<Candidate>();
  for (const p of pairs) {
    if (byRecord.has(p.index) || used.has(p.candidate)) continue;
    byRecord.set(p.index, p.candidate);
    used.add(p.candidate);
  }
  return byRecord;
}

/**
 * The nearest stream `r` may be another record of, skipping `exclude` (stored streams already paired),
 * or null. Used for a record no pairing covered: it may match a stream inserted earlier in its group.
 */
export function findSameStream(candidates: CandidateIndex, r: IncomingStream, track: TrackRef, exclude?: ReadonlySet<number>): Candidate | null {
  let best: Candidate | null = null;
  let bestDistance = Infinity;
  for (const c of candidates.near(track)) {
    if (exclude?.has(c.id)) continue;
    const distance = sameStreamDistance(c, r, track);
    if (distance !== null && distance < bestDistance) { best = c; bestDistance = distance; }
  }
  return best;
}

/** Stored streams near a group of records, looked up by track id and by normalized name. */
export class CandidateIndex {
  private readonly byTrack = new Map<number, Candidate[]>();
  private readonly byName = new Map<string, Candidate[]>();
  private readonly byId = new Map<number, Candidate>();
  constructor(candidates: Candidate[]) { for (const c of candidates) this.add(c); }
  add(c: Candidate): void {
    const t = this.byTrack.get(c.track_id);
    if (t) t.push(c); else this.byTrack.set(c.track_id, [c]);
    const n = this.byName.get(c.name_key);
    if (n) n.push(c); else this.byName.set(c.name_key, [c]);
    this.byId.set(c.id, c);
  }
  replace(old: Candidate, next: Candidate): void {
    for (const [map, key] of [[this.byTrack, old.track_id], [this.byName, old.name_key]] as const) {
      const list = (map as Map<unknown, Candidate[]>).get(key);
      if (list) { const i = list.indexOf(old); if (i >= 0) list.splice(i, 1); }
    }
    this.add(next);
  }
  /** The latest state of a candidate (after merges replaced it). */
  current(c: Candidate): Candidate { return this.byId.get(c.id) ?? c; }
  /** Candidates that may be the same track: same track id, or same normalized name. */
  near(track: TrackRef): Candidate[] {
    const a = this.byTrack.get(track.id) ?? [];
    const b = this.byName.get(track.name_key) ?? [];
    return b.length === 0 ? a : a.length === 0 ? b : [...new Set([...a, ...b])];
  }
}

/**
 * Scrobble sources, richest first: Maloja and Pano Scrobbler know what was played, ListenBrainz
 * usually the track's duration, a .scrobbler.log the track's length, a Libre.fm / Last.fm CSV nothing.
 */
const SCROBBLES_RICHEST_FIRST: StreamSource[] = ['import-maloja', 'import-panoscrobbler', 'listenbrainz', 'import-listenbrainz',
  'import-scrobbler-log', 'import-lastfm'];

/**
 * Which source knows a field best, richest first (PRODUCT.md: export's ms_played and reasons, watcher's
 * device). Spotify's own records always beat a scrobble's, whose ms_played and end are often estimates.
 */
const RANK: Record<'ms_played' | 'ended_at' | 'reasons' | 'device' | 'context', StreamSource[]> = {
  ms_played: ['import-extended', 'import-account', 'player', 'poll', 'import-vibescope', ...SCROBBLES_RICHEST_FIRST],
  ended_at: ['poll', 'import-extended', 'player', 'import-account', 'import-vibescope', ...SCROBBLES_RICHEST_FIRST],
  // A .scrobbler.log knows skips (rating S): the only scrobble source with a reason.
  reasons: ['import-extended', 'player', 'import-account', 'poll', 'import-vibescope', 'import-scrobbler-log', 'import-maloja',
    'import-panoscrobbler', 'listenbrainz', 'import-listenbrainz', 'import-lastfm'],
  device: ['player', 'import-extended', 'poll', 'import-account', 'import-vibescope', ...SCROBBLES_RICHEST_FIRST],
  context: ['poll', 'player', 'import-extended', 'import-account', 'import-vibescope', ...SCROBBLES_RICHEST_FIRST],
};

/** The source a merged stream's ended_at came from. */
function endedAtSource(mask: number): StreamSource {
  return RANK.ended_at.find((s) => (mask & SOURCE_BIT[s]) !== 0) ?? 'poll';
}

/** Best rank (lower is better) among the sources in `mask` for a field. */
function bestRank(field: keyof typeof RANK, mask: number): number {
  const order = RANK[field];
  for (let i = 0; i < order.length; i++) if ((mask & SOURCE_BIT[order[i]!]) !== 0) return i;
  return order.length;
}

/** The fields of a new stream from one record (`skipThresholdMs`: the skip_threshold_s option, see classify). */
export function fieldsFromRecord(r: IncomingStream, accountId: number, track: TrackRef, skipThresholdMs?: number): StreamFields {
  const skipped = r.skipped ?? null;
  const reasonEnd = r.reason_end ?? null;
  return {
    account_id: accountId,
    track_id: track.id,
    ended_at: r.ended_at,
    ms_played: r.ms_played,
    kind: classify(r.track.content, r.ms_played, skipped, reasonEnd, skipThresholdMs),
    content: r.track.content,
    source: r.source,
    sources: SOURCE_BIT[r.source],
    reason_start: r.reason_start ?? null,
    reason_end: reasonEnd,
    skipped,
    shuffle: r.shuffle ?? null,
    offline: r.offline ?? null,
    incognito: r.incognito ?? null,
    platform: r.platform ?? null,
    device: r.device ?? null,
    context_uri: r.context_uri ?? null,
  };
}

/** Merges record `r` into stored stream `c`, keeping the richest value of each field. */
export function mergeFields(c: Candidate, r: IncomingStream, track: TrackRef, skipThresholdMs?: number): StreamFields {
  const incoming = fieldsFromRecord(r, c.account_id, track, skipThresholdMs);
  const wins = (field: keyof typeof RANK) => RANK[field].indexOf(r.source) < bestRank(field, c.sources);
  const pick = <T>(field: keyof typeof RANK, mine: T | null, theirs: T | null): T | null =>
    theirs === null ? mine : mine === null || wins(field) ? theirs : mine;
  const merged: StreamFields = {
    ...c,
    track_id: c.track_uri ? c.track_id : track.uri ? track.id : c.track_id,
    ended_at: wins('ended_at') ? r.ended_at : c.ended_at,
    ms_played: wins('ms_played') ? r.ms_played : c.ms_played,
    reason_start: pick('reasons', c.reason_start, incoming.reason_start),
    reason_end: pick('reasons', c.reason_end, incoming.reason_end),
    skipped: pick('reasons', c.skipped, incoming.skipped),
    shuffle: pick('reasons', c.shuffle, incoming.shuffle),
    offline: pick('reasons', c.offline, incoming.offline),
    incognito: pick('reasons', c.incognito, incoming.incognito),
    platform: pick('reasons', c.platform, incoming.platform),
    device: pick('device', c.device, incoming.device),
    context_uri: pick('context', c.context_uri, incoming.context_uri),
    sources: c.sources | SOURCE_BIT[r.source],
  };
  merged.source = SOURCES_RICHEST_FIRST.find((s) => (merged.sources & SOURCE_BIT[s]) !== 0) ?? r.source;
  merged.kind = classify(merged.content, merged.ms_played, merged.skipped, merged.reason_end, skipThresholdMs);
  return merged;
}
