import { DateTime } from '../luxon.js';
import { createTimeZoneMath, dateOfDay, MS_PER_MINUTE } from '../time.js';
import type { PlaylistKind } from './types.js';

/** Spotify's limits: a playlist name of 100 and a description of 300 characters. */
export const MAX_NAME = 100;
export const MAX_DESCRIPTION = 300;

const cut = (text: string, max: number) => ([...text].length <= max ? text : `${[...text].slice(0, max - 1).join('')}…`);

/** Date and weekday formatting in the configured zone (English, like the playlist names). */
export function formatters(timeZone: string) {
  const dt = (ms: number) => DateTime.fromMillis(ms, { zone: timeZone }).setLocale('en-GB');
  const tz = createTimeZoneMath(timeZone);
  return {
    /** 2026-11-03 (the zone's cached offsets: cheap enough for every candidate's sentence) */
    date: (ms: number) => dateOfDay(tz.dayOf(ms)),
    /** Tuesday */
    weekday: (ms: number) => dt(ms).toFormat('cccc'),
    /** Tue 3 Nov */
    short: (ms: number) => dt(ms).toFormat('ccc d LLL'),
    /** 2026-11-03 05:30 */
    dateTime: (ms: number) => dt(ms).toFormat('yyyy-LL-dd HH:mm'),
  };
}

const SOURCE_WORDS: Record<string, string> = {
  rediscoveries: 'rediscoveries', deep_cuts: 'deep cuts', liked_not_played: 'liked songs', spotify_search: 'Spotify search',
  lastfm: 'Last.fm', library_mood: 'your music library',
};

/**
 * The playlist's name and description, saying when and from what it was made (the description is what
 * a listener sees in the Spotify apps).
 */
export function nameAndDescription(kind: PlaylistKind, at: number, timeZone: string, facts: {
  total: number; new: number; duration_ms: number; days: number; top_artists: string[]; liked: number; used: string[]; mood: string | null;
}): { name: string; description: string } {
  const f = formatters(timeZone);
  if (kind === 'mixtape') {
    return {
      name: cut(`Vibescope mixtape · week of ${f.short(at)}`, MAX_NAME),
      description: cut(`Made by Vibescope on ${f.dateTime(at)} from this week's dominant mood${facts.mood ? ` (${facts.mood})` : ''} in your own music library: `
        + `${Math.round(facts.duration_ms / MS_PER_MINUTE)} minutes, ${facts.total} tracks, ordered as an energy arc.`, MAX_DESCRIPTION),
    };
  }
  const from = facts.used.map((s) => SOURCE_WORDS[s] ?? s);
  return {
    name: cut(`Vibescope daily vibe · ${f.short(at)}`, MAX_NAME),
    description: cut(`Made by Vibescope on ${f.dateTime(at)} from your last ${facts.days} days of listening`
      + `${facts.top_artists.length ? ` (${facts.top_artists.join(', ')})` : ''}${from.length ? ` with ${from.join(', ')}` : ''}: `
      + `${facts.total} tracks, ${facts.new} new to you. Your skips teach the next one.`, MAX_DESCRIPTION),
  };
}
