import { z } from 'zod';
import { SCROBBLE_SOURCES, type IncomingStream } from '../types.js';

const nullableString = z.string().nullable();

/**
 * ms since the epoch that a real stream can have: from 2002-10-01 (the oldest listen ListenBrainz
 * accepts, LISTEN_MINIMUM_TS in listenbrainz/listenstore; Spotify rows are checked from 2006 by their
 * importer) to a day from now.
 */
const EARLIEST_MS = Date.UTC(2002, 9, 1);
const endedAt = z.number().int().refine((t) => t >= EARLIEST_MS && t <= Date.now() + 86_400_000, 'a time between 2002-10-01 and tomorrow (ms since the epoch)');

/**
 * The shape of {@link IncomingStream}, checked before a record is journaled and before a journal line
 * is replayed: a line that fails is set aside instead of stopping start-up.
 */
export const incomingStreamSchema: z.ZodType<IncomingStream> = z.looseObject({
  account: z.string().min(1).max(64),
  source: z.enum(['poll', 'player', 'import-extended', 'import-account', 'import-vibescope', ...SCROBBLE_SOURCES]),
  ended_at: endedAt,
  ms_played: z.number().int().min(0).max(48 * 3_600_000),
  track: z.looseObject({
    uri: nullableString,
    name: z.string(),
    content: z.enum(['track', 'episode', 'audiobook']),
    artists: z.array(z.object({ spotify_id: nullableString, name: z.string() })),
    album: z.object({ spotify_id: nullableString, name: z.string(), image_url: nullableString }).nullable(),
    duration_ms: z.number().int().min(0).nullable(),
    isrc: nullableString,
  }),
  reason_start: nullableString.optional(),
  reason_end: nullableString.optional(),
  skipped: z.boolean().nullable().optional(),
  shuffle: z.boolean().nullable().optional(),
  offline: z.boolean().nullable().optional(),
  incognito: z.boolean().nullable().optional(),
  platform: nullableString.optional(),
  device: nullableString.optional(),
  context_uri: nullableString.optional(),
  recording_mbid: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/).nullable().optional(),
}) as z.ZodType<IncomingStream>;

/** The journal line of live streams: `{v: 1, t: 'streams', records: [...]}`. */
export const streamsRecordSchema = z.object({
  v: z.literal(1),
  t: z.literal('streams'),
  records: z.array(incomingStreamSchema).min(1),
});
