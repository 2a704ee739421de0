import type { StoryFacts } from '../stats/index.js';
import type { StoryLanguage } from './numbers.js';
import type { StoryOutput, StoryTone } from './schema.js';

/**
 * The template story: the same facts told by fixed sentences, no model at all (ai_provider none,
 * offline, or when a model's story failed its grounding check). English and German, friendly or
 * roast. Every number it writes comes from the facts with the rounding grounding.ts accepts, so the
 * template passes the same check a model must.
 */

type Highlight = StoryOutput['highlights'][number];

const WORDS = {
  en: {
    period: { week: 'week', month: 'month', year: 'year' },
    parts: { night: 'at night', morning: 'in the morning', afternoon: 'in the afternoon', evening: 'in the evening' },
    weekdays: { Monday: 'Monday', Tuesday: 'Tuesday', Wednesday: 'Wednesday', Thursday: 'Thursday', Friday: 'Friday', Saturday: 'Saturday', Sunday: 'Sunday' },
  },
  de: {
    period: { week: 'Woche', month: 'Monat', year: 'Jahr' },
    parts: { night: 'nachts', morning: 'morgens', afternoon: 'nachmittags', evening: 'abends' },
    weekdays: { Monday: 'Montag', Tuesday: 'Dienstag', Wednesday: 'Mittwoch', Thursday: 'Donnerstag', Friday: 'Freitag', Saturday: 'Samstag', Sunday: 'Sonntag' },
  },
} as const;

/** Personas of the template, first rule that holds wins (checked in {@link pickPersona}). */
const PERSONAS = {
  quiet: { en: ['The quiet one', 'Silence has its own sound.'], de: ['Die stille Phase', 'Auch Stille hat ihren Klang.'] },
  devotee: { en: ['The devotee', 'One artist, one obsession.'], de: ['Treue Seele', 'Eine Künstlerin oder ein Künstler, eine Hingabe.'] },
  explorer: { en: ['The explorer', 'Always after the next new sound.'], de: ['Entdeckergeist', 'Immer auf der Suche nach neuem Klang.'] },
  owl: { en: ['The night owl', 'Your music comes alive after dark.'], de: ['Nachteule', 'Deine Musik erwacht nach Einbruch der Dunkelheit.'] },
  skipper: { en: ['The restless skipper', 'Never satisfied with the first few seconds.'], de: ['Schnellvorlauf', 'Nie zufrieden mit den ersten Sekunden.'] },
  marathoner: { en: ['The marathoner', 'Once you press play, you stay.'], de: ['Dauerschleife', 'Einmal auf Play gedrückt, bleibst du dabei.'] },
  riser: { en: ['The early riser', 'Your days start with a soundtrack.'], de: ['Morgenmensch', 'Deine Tage beginnen mit Musik.'] },
  allrounder: { en: ['The all-rounder', 'A little of everything, at every hour.'], de: ['Allrounder', 'Von allem etwas, zu jeder Stunde.'] },
} as const;
type PersonaKey = keyof typeof PERSONAS;

/** The persona rule that fits the facts (thresholds are the template's own, documented in DOCS.md "Story"). */
export function pickPersona(f: StoryFacts): PersonaKey {
  if (f.totals.plays === 0) return 'quiet';
  if ((f.top_artists[0]?.share_pct ?? 0) >= 50) return 'devotee';
  if (f.new_artists.count >= 3 && (f.new_artists.share_of_artists_pct ?? 0) >= 30) return 'explorer';
  if ((f.sessions.by_day_part.night.share_pct ?? 0) >= 30) return 'owl';
  if ((f.skips.skip_rate_pct ?? 0) >= 30) return 'skipper';
  if ((f.sessions.longest?.minutes ?? 0) >= 180) return 'marathoner';
  if ((f.sessions.by_day_part.morning.share_pct ?? 0) >= 40) return 'riser';
  return 'allrounder';
}

/** A number as the language writes it (en 1,234.5; de 1.234,5). */
function num(n: number, language: StoryLanguage, decimals = 0): string {
  return new Intl.NumberFormat(language === 'de' ? 'de-DE' : 'en-US', { maximumFractionDigits: decimals }).format(Math.abs(n));
}
const pctText = (n: number, l: StoryLanguage) => (l === 'de' ? `${num(n, l, 1)} %` : `${num(n, l, 1)}%`);
const hours = (minutes: number, l: StoryLanguage) => num(Math.round((minutes / 60) * 10) / 10, l, 1);

/** Cuts a name so a title stays within 80 characters. */
function fit(prefix: string, name: string, max = 80): string {
  const room = max - prefix.length;
  return prefix + (name.length <= room ? name : `${name.slice(0, Math.max(1, room - 1)).trimEnd()}…`);
}

function highlights(f: StoryFacts, l: StoryLanguage, tone: StoryTone): Highlight[] {
  const out: Highlight[] = [];
  const de = l === 'de';
  const a = f.top_artists[0];
  if (a) {
    out.push({ fact_keys: ['top_artists.0'], text: de
      ? `${a.name} war mit ${num(a.plays, l)} Plays (${pctText(a.share_pct ?? 0, l)} aller Plays) deine meistgehörte Musik.`
      : `${a.name} was your most played artist with ${num(a.plays, l)} plays (${pctText(a.share_pct ?? 0, l)} of all plays).` });
  }
  const t = f.top_tracks[0];
  if (t) {
    const by = t.artist ? (de ? ` von ${t.artist}` : ` by ${t.artist}`) : '';
    out.push({ fact_keys: ['top_tracks.0'], text: de ? `Dein Lieblingstitel: "${t.name}"${by}, ${num(t.plays, l)}-mal gespielt.`
      : `Your top track was "${t.name}"${by}, played ${num(t.plays, l)} times.` });
  }
  const change = f.totals.change.plays_pct;
  if (change !== null && change !== 0) {
    const more = change > 0;
    out.push({ fact_keys: ['totals.plays', 'totals.previous.plays', 'totals.change.plays_pct'], text: de
      ? `Du hast ${pctText(change, l)} ${more ? 'mehr' : 'weniger'} gehört als im Zeitraum davor (${num(f.totals.plays, l)} statt ${num(f.totals.previous.plays, l)} Plays).`
      : `You played ${pctText(change, l)} ${more ? 'more' : 'less'} than the ${WORDS.en.period[f.period.kind]} before (${num(f.totals.plays, l)} plays after ${num(f.totals.previous.plays, l)}).` });
  }
  const s = f.sessions.longest;
  if (s) {
    const day = WORDS[l].weekdays[s.weekday as keyof typeof WORDS.en.weekdays] ?? s.weekday;
    out.push({ fact_keys: ['sessions.longest'], text: de
      ? `Deine längste Session lief am ${day} ${num(s.minutes, l)} Minuten lang, mit ${num(s.plays, l)} Plays.`
      : `Your longest session ran ${num(s.minutes, l)} minutes on ${day}, with ${num(s.plays, l)} plays.` });
  }
  const part = f.sessions.top_day_part;
  if (part) {
    const share = f.sessions.by_day_part[part].share_pct ?? 0;
    out.push({ fact_keys: ['sessions.top_day_part', `sessions.by_day_part.${part}`], text: de
      ? `Am meisten Musik lief ${WORDS.de.parts[part]}: ${pctText(share, l)} deiner Plays.`
      : `Most of your listening happened ${WORDS.en.parts[part]}: ${pctText(share, l)} of your plays.` });
  }
  if (f.skips.count > 0) {
    const rate = pctText(f.skips.skip_rate_pct ?? 0, l);
    out.push({ fact_keys: ['skips.count', 'skips.skip_rate_pct'], text: de
      ? (tone === 'roast' ? `${num(f.skips.count, l)}-mal weitergeskippt, eine Skip-Rate von ${rate}. Geduld ist nicht deine Stärke.`
        : `Du hast ${num(f.skips.count, l)}-mal geskippt, eine Skip-Rate von ${rate}.`)
      : (tone === 'roast' ? `${num(f.skips.count, l)} skips, a skip rate of ${rate}. Patience is not your thing.`
        : `You skipped ${num(f.skips.count, l)} times, a skip rate of ${rate}.`) });
  }
  if (f.new_artists.count > 0) {
    const first = f.new_artists.top[0]!.name;
    out.push({ fact_keys: ['new_artists.count', 'new_artists.top.0'], text: de
      ? `Neu entdeckt: ${num(f.new_artists.count, l)} Künstler:innen, vorneweg ${first}.`
      : `You discovered ${num(f.new_artists.count, l)} new ${f.new_artists.count === 1 ? 'artist' : 'artists'}, led by ${first}.` });
  }
  const energy = f.mood?.energy_pct;
  if (energy && energy.first_half !== null && energy.second_half !== null && energy.first_half !== energy.second_half) {
    const up = energy.second_half > energy.first_half;
    out.push({ fact_keys: ['mood.energy_pct'], text: de
      ? `Die Energie deiner Musik ${up ? 'stieg' : 'sank'} von ${pctText(energy.first_half, l)} in der ersten auf ${pctText(energy.second_half, l)} in der zweiten Hälfte.`
      : `The energy of your music ${up ? 'rose' : 'fell'} from ${pctText(energy.first_half, l)} in the first half to ${pctText(energy.second_half, l)} in the second.` });
  }
  out.push({ fact_keys: ['streak.active_days', 'period.days'], text: de
    ? `Musik an ${num(f.streak.active_days, l)} von ${num(f.period.days, l)} Tagen.`
    : `You listened on ${num(f.streak.active_days, l)} of ${num(f.period.days, l)} days.` });
  if (out.length < 3) {
    out.push({ fact_keys: ['totals.previous.plays'], text: de ? `Im Zeitraum davor waren es ${num(f.totals.previous.plays, l)} Plays.`
      : `The ${WORDS.en.period[f.period.kind]} before had ${num(f.totals.previous.plays, l)} plays.` });
  }
  if (out.length < 3) {
    out.push({ fact_keys: ['totals.skips'], text: de ? `Skips: ${num(f.totals.skips, l)}.` : `Skips: ${num(f.totals.skips, l)}.` });
  }
  return out.slice(0, 6);
}

/**
 * The template story of a facts payload, in `language` and `tone`.
 * Deterministic: the same facts give the same story.
 */
export function templateStory(f: StoryFacts, language: StoryLanguage, tone: StoryTone): StoryOutput {
  const l = language;
  const de = l === 'de';
  const period = WORDS[l].period[f.period.kind];
  const persona = PERSONAS[pickPersona(f)][l];
  const a = f.top_artists[0];
  let title: string; let summary: string;
  if (f.totals.plays === 0) {
    const quiet = { week: ['Eine stille Woche', 'In dieser Woche'], month: ['Ein stiller Monat', 'In diesem Monat'], year: ['Ein stilles Jahr', 'In diesem Jahr'] }[f.period.kind];
    title = de ? quiet[0]! : `A quiet ${period}`;
    summary = de ? `${quiet[1]} wurde nichts gespielt.` : `No plays were recorded this ${period}.`;
  } else {
    const plays = num(f.totals.plays, l);
    title = a ? fit(de ? `${plays} Plays, angeführt von ` : tone === 'roast' ? `${plays} plays, mostly ` : `${plays} plays, led by `, a.name)
      : (de ? `${plays} Plays` : `${plays} plays`);
    const h = hours(f.totals.listening_minutes, l);
    const first = de ? `Du hast ${plays} Titel in ${h} Stunden an ${num(f.streak.active_days, l)} Tagen gehört.`
      : `You played ${plays} tracks for ${h} hours across ${num(f.streak.active_days, l)} days.`;
    const second = a ? (de ? `${a.name} hat den Ton angegeben.` : tone === 'roast' ? `${a.name} again, of course.` : `${a.name} set the tone.`) : '';
    summary = [first, second].filter(Boolean).join(' ');
  }
  const description = tone === 'roast' && persona[0] !== PERSONAS.quiet[l][0]
    ? `${persona[1]} ${de ? 'Wir sehen es und sagen nichts.' : 'We see it, and we say nothing.'}` : persona[1];
  return { title, summary, highlights: highlights(f, l, tone), persona: { name: persona[0], description } };
}
