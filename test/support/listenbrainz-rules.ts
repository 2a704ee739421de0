/**
 * ListenBrainz's submit-listens rules, as its server applies them (metabrainz/listenbrainz-server @
 * 0a119846d: listenbrainz/webserver/views/api.py submit_listen, views/api_tools.py validate_listen),
 * written again here so the fake server answers 400 where the real one does. The accepted and refused
 * payloads in test/fixtures/listenbrainz/ are the oracle (test/scrobble/rules.test.ts).
 */

export const MAX_LISTEN_SIZE = 10240;
export const MAX_LISTENS_PER_REQUEST = 1000;
export const MAX_LISTEN_PAYLOAD_SIZE = MAX_LISTEN_SIZE * MAX_LISTENS_PER_REQUEST;
const MAX_TAGS_PER_LISTEN = 50;
const MAX_TAG_SIZE = 64;
const MAX_DURATION_LIMIT = 24 * 24 * 60 * 60;
const LISTEN_MINIMUM_TS = Date.UTC(2002, 9, 1) / 1000;
const ALLOWED_SKEW_S = 3600;
const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

type ListenType = 'single' | 'import' | 'playing_now';
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Python's int() of a JSON value, or null when it raises. */
function pyInt(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v)) return Number(v);
  return null;
}

function hasNul(v: unknown): boolean {
  if (typeof v === 'string') return v.includes('\u0000');
  if (Array.isArray(v)) return v.some((x) => typeof x === 'string' && x.includes('\u0000'));
  if (isObj(v)) return Object.values(v).some(hasNul);
  return false;
}

/** validate_listen: the reason a listen is refused, or null. */
export function validateListen(listen: unknown, type: ListenType, nowS = Date.now() / 1000): string | null {
  if (listen === null || listen === undefined) return 'Listen is empty and cannot be validated.';
  if (!isObj(listen)) return 'Listen is not a JSON object.';
  if (type === 'single' || type === 'import') {
    if (!('listened_at' in listen)) return 'JSON document must contain the key listened_at at the top level.';
    const at = pyInt(listen.listened_at);
    if (at === null) return 'JSON document must contain an int value for listened_at.';
    if (at >= Math.floor(nowS) + ALLOWED_SKEW_S) return 'Value for key listened_at is too high.';
    if (at < LISTEN_MINIMUM_TS) return 'Value for key listened_at is too low.';
    if (!('track_metadata' in listen)) return 'JSON document must contain the key track_metadata at the top level.';
    if (Object.keys(listen).length > 2) return 'JSON document may only contain listened_at and track_metadata top level keys';
  } else {
    if ('listened_at' in listen) return 'JSON document must not contain listened_at while submitting playing_now.';
    if (!('track_metadata' in listen)) return 'JSON document must contain the key track_metadata at the top level.';
    if (Object.keys(listen).length > 1) return 'JSON document may only contain track_metadata as top level key when submitting playing_now.';
  }
  const meta = listen.track_metadata;
  if (meta === null) return 'JSON document may not have track_metadata with null value.';
  if (!isObj(meta)) return 'track_metadata must be an object.';
  for (const [key, required] of [['track_name', true], ['artist_name', true], ['release_name', false]] as const) {
    if (key in meta) {
      if (typeof meta[key] !== 'string') return `track_metadata.${key} must be a single string.`;
      if ((meta[key] as string).trim() === '' && required) return `field track_metadata.${key} is empty.`;
    } else if (required) return `JSON document does not contain required field track_metadata.${key}.`;
  }
  if ('additional_info' in meta) {
    const info = meta.additional_info;
    if (!isObj(info)) return 'track_metadata.additional_info must be an object.';
    if ('tags' in info) {
      const tags = info.tags as unknown[];
      if (!Array.isArray(tags)) return 'track_metadata.additional_info.tags must be a list.';
      if (tags.length > MAX_TAGS_PER_LISTEN) return `JSON document may not contain more than ${MAX_TAGS_PER_LISTEN} items in track_metadata.additional_info.tags.`;
      if (tags.some((t) => String(t).length > MAX_TAG_SIZE)) return `JSON document may not contain track_metadata.additional_info.tags longer than ${MAX_TAG_SIZE} characters.`;
    }
    if ('duration' in info && 'duration_ms' in info) return 'JSON document should not contain both duration and duration_ms.';
    for (const [key, max] of [['duration', MAX_DURATION_LIMIT], ['duration_ms', MAX_DURATION_LIMIT * 1000]] as const) {
      if (!(key in info)) continue;
      const n = typeof info[key] === 'string' ? Number(info[key]) : info[key];
      if (typeof n !== 'number' || !Number.isFinite(n)) return `Value for ${key} is invalid, should be a positive integer.`;
      if (Math.trunc(n) <= 0) return `Value for ${key} is invalid, should be a positive integer.`;
      if (Math.trunc(n) > max) return `Value for ${key} is too large, max permitted value is ${max}`;
    }
    for (const key of ['release_mbid', 'recording_mbid', 'release_group_mbid', 'track_mbid']) {
      if (key in info && info[key] && !(typeof info[key] === 'string' && UUID_RE.test(info[key] as string))) return `${key} MBID format invalid.`;
    }
    for (const key of ['artist_mbids', 'work_mbids']) {
      const list = info[key];
      if (!(key in info) || !list) continue;
      if (!Array.isArray(list)) return `${key} MBID format invalid.`;
      if (list.filter(Boolean).some((m) => !(typeof m === 'string' && UUID_RE.test(m)))) return `${key} MBID format invalid.`;
    }
  }
  if (hasNul(listen)) return 'a value contains a unicode null';
  return null;
}

/** submit_listen: what the server answers a body (the raw bytes as sent). */
export function validateSubmission(raw: string, nowS = Date.now() / 1000): { ok: true; type: ListenType; payload: Obj[] } | { ok: false; message: string } {
  const bad = (message: string) => ({ ok: false as const, message });
  if (Buffer.byteLength(raw) > MAX_LISTEN_PAYLOAD_SIZE) return bad(`Payload too large. Payload cannot exceed ${MAX_LISTEN_PAYLOAD_SIZE} bytes`);
  let data: unknown;
  try { data = JSON.parse(raw); } catch (err) { return bad(`Cannot parse JSON document: ${(err as Error).message}`); }
  if (!isObj(data)) return bad('Invalid JSON document submitted. Top level of JSON document should be a json object.');
  if (!('payload' in data)) return bad('Invalid JSON document submitted.');
  const payload = data.payload;
  if (!Array.isArray(payload)) return bad('The payload in the JSON document should be a list of listens.');
  if (payload.length === 0) return bad('JSON document does not contain any listens');
  if (payload.length > MAX_LISTENS_PER_REQUEST) return bad(`Too many listens. You may not submit more than ${MAX_LISTENS_PER_REQUEST} listens at once.`);
  if (Buffer.byteLength(raw) > payload.length * MAX_LISTEN_SIZE) return bad(`JSON document is too large. Each listens may not be larger than ${MAX_LISTEN_SIZE} bytes.`);
  if (!('listen_type' in data)) return bad('Invalid JSON document submitted.');
  const type = data.listen_type;
  if (type !== 'playing_now' && type !== 'single' && type !== 'import') return bad('JSON document requires a valid listen_type key.');
  if ((type === 'single' || type === 'playing_now') && payload.length > 1) return bad('JSON document contains more than listen for a single/playing_now. It should contain only one.');
  for (const listen of payload) {
    const reason = validateListen(listen, type, nowS);
    if (reason) return bad(reason);
  }
  return { ok: true, type, payload: payload as Obj[] };
}
