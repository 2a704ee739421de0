import type { StoryLanguage } from './numbers.js';

/**
 * Names in a story's text, for the grounding check: the names the facts hold are masked out first;
 * what remains and still looks like a name is a violation. A story cannot be parsed for every name it
 * might invent, so four rules catch what a model most often invents (see DOCS.md "Story"):
 * 1. quoted text ("…", “…”, „…“, «…») must be a name from the facts;
 * 2. a name of the user's own library (catalog artists, albums, tracks of two or more words) that
 *    the facts do not hold;
 * 3. capitalised words inside a sentence: in English any, in German runs of two or more (German
 *    capitalises every noun), and ALL-CAPS words in both; weekdays, months and the persona's name
 *    are allowed;
 * 4. genre words (pop, jazz, lo-fi, Schlager…) that no genre of the facts contains.
 */

/** U+E000 (private use) stands in for a masked name: it is neither a letter nor a digit. */
export const MASK = '\uE000';

/** Straight quotes, single spaces, NFC: the form names and texts are compared in. */
export function normalizeText(text: string): string {
  return text.normalize('NFC').replace(/[\u2018\u2019\u201a\u201b\u2032]/g, "'").replace(/[\u201c\u201d\u201e\u201f\u00ab\u00bb\u2033]/g, '"')
    .replace(/[\u2013\u2014]/g, '-').replace(/\s+/g, ' ');
}

/** The forms a name may be written in: as is, without a bracketed or " - " / ": " suffix, without a leading "The". */
export function nameVariants(name: string): string[] {
  const n = normalizeText(name).trim();
  const out = new Set<string>([n]);
  const bare = n.replace(/\s*[([].*?[)\]]/g, '').trim();
  out.add(bare);
  for (const cut of [' - ', ': ']) {
    const i = bare.indexOf(cut);
    if (i > 0) out.add(bare.slice(0, i).trim());
  }
  for (const v of [...out]) if (/^the\s+/i.test(v)) out.add(v.replace(/^the\s+/i, ''));
  return [...out].filter((v) => v.replace(/[^\p{L}\p{N}]/gu, '').length >= 2);
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const bounded = (s: string, flags: string) => new RegExp(`(?<![\\p{L}\\p{N}])${escape(s)}(?![\\p{L}\\p{N}])`, flags);

/** One compiled pattern of every variant of the names (longer first), for masking many texts. */
export function createMasker(names: readonly string[]) {
  const variants = [...new Set(names.flatMap(nameVariants))].sort((a, b) => b.length - a.length);
  const pattern = variants.length ? new RegExp(`(?<![\\p{L}\\p{N}])(?:${variants.map(escape).join('|')})(?![\\p{L}\\p{N}])`, 'giu') : null;
  return {
    /** The text normalised, every name replaced by {@link MASK}. */
    mask: (text: string): string => (pattern ? normalizeText(text).replace(pattern, MASK) : normalizeText(text)),
    /** How many times names occur in the text. */
    count: (text: string): number => (pattern ? [...normalizeText(text).matchAll(pattern)].length : 0),
  };
}

/** Replaces every occurrence (any case) of the names' variants by {@link MASK}; longer names first. */
export function maskNames(text: string, names: readonly string[]): string {
  return createMasker(names).mask(text);
}

const ALLOWED: Record<StoryLanguage, string[]> = {
  en: ['I', "I'm", "I've", "I'd", "I'll", 'OK', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday',
    'January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December',
    'Spotify', 'Vibescope', 'Home', 'Assistant', 'DJ', 'TV'],
  de: ['Montag', 'Dienstag', 'Mittwoch', 'Donnerstag', 'Freitag', 'Samstag', 'Sonntag', 'Sonnabend', 'Januar', 'Februar', 'März', 'April',
    'Mai', 'Juni', 'Juli', 'August', 'September', 'Oktober', 'November', 'Dezember', 'Spotify', 'Vibescope', 'Morgen', 'Vormittag',
    'Mittag', 'Nachmittag', 'Abend', 'Nacht', 'Woche', 'Monat', 'Jahr', 'Top', 'DJ', 'TV'],
};

/** Genre words a model likes to add from its own knowledge (en and de); "house", "soul", "country", "dance", "trap" and "latin" are left out (everyday words). */
export const GENRE_WORDS = ['pop', 'rock', 'jazz', 'blues', 'techno', 'trance', 'hip hop', 'hip-hop', 'rap', 'lo-fi', 'lofi', 'synthpop', 'synth-pop',
  'electropop', 'k-pop', 'j-pop', 'edm', 'dubstep', 'drum and bass', 'reggaeton', 'reggae', 'bossa nova', 'punk', 'grunge', 'emo', 'metal',
  'ambient', 'disco', 'funk', 'r&b', 'gospel', 'opera', 'bluegrass', 'salsa', 'cumbia', 'folk', 'indie', 'classical', 'electronic',
  'singer-songwriter', 'schlager', 'klassik', 'elektro', 'electro', 'britpop', 'shoegaze', 'afrobeats'];

export interface NameViolation { text: string; why: 'quoted' | 'library' | 'capitalised' | 'genre' }

export interface NameCheckOptions {
  language: StoryLanguage;
  /** A masker of factNames compiled once (createMasker), when many texts are checked. */
  masker?: ReturnType<typeof createMasker>;
  /** Names the facts hold (masked before the text is examined). */
  factNames: readonly string[];
  /** Genre names of the facts (a genre word is allowed when one of these contains it). */
  factGenres: readonly string[];
  /** Names of the user's library (artists, albums, tracks) that the facts do not hold. */
  libraryNames: readonly string[];
  /** Words always allowed (the persona's name). */
  allowedWords: readonly string[];
  /** Skip rule 3 (the persona's own name is title-like: "The Night Owl"); rules 1, 2 and 4 still apply. */
  skipCapitalised?: boolean;
}

/** The words of the names (each at least 3 letters), allowed alone ("Taylor" of "Taylor Swift"). */
function nameWords(names: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const n of names) for (const w of normalizeText(n).match(/[\p{L}\p{N}][\p{L}\p{N}'&.-]*/gu) ?? []) if (w.length >= 3) out.add(w.toLowerCase());
  return out;
}

/**
 * The names in `text` that the facts do not back (rules 1–4 above). `text` is one field of the story
 * (title, summary, a highlight, the persona); each violation is reported once.
 */
export function findUnknownNames(text: string, options: NameCheckOptions): NameViolation[] {
  const masked = (options.masker ?? createMasker(options.factNames)).mask(text);
  const found = new Map<string, NameViolation>();
  const add = (t: string, why: NameViolation['why']) => { const k = t.trim(); if (k && !found.has(k.toLowerCase())) found.set(k.toLowerCase(), { text: k, why }); };

  let rest = masked;
  for (const m of masked.matchAll(/"([^"]{1,120})"/g)) {
    if (!/\p{L}/u.test(m[1]!.replaceAll(MASK, ''))) continue;
    add(m[1]!, 'quoted');
    rest = rest.replace(m[0], MASK);
  }
  for (const name of options.libraryNames) {
    for (const v of nameVariants(name)) {
      if (v.length < 4 || !rest.includes(v) || !bounded(v, 'u').test(rest)) continue;
      add(v, 'library');
      rest = rest.replace(bounded(v, 'gu'), MASK);
    }
  }
  const genres = options.factGenres.map((g) => normalizeText(g).toLowerCase());
  for (const g of GENRE_WORDS) {
    if (genres.some((f) => f.includes(g))) continue;
    const m = bounded(g, 'iu').exec(masked);
    if (m) add(m[0], 'genre');
  }
  const allowed = new Set([...ALLOWED[options.language], ...options.allowedWords.flatMap((w) => w.split(/\s+/))].map((w) => w.toLowerCase()));
  for (const w of nameWords(options.factNames)) allowed.add(w);
  if (!options.skipCapitalised) for (const run of capitalisedRuns(rest, options.language, allowed)) add(run, 'capitalised');
  return [...found.values()];
}

/** Lower-case words inside a name ("Florence and the Machine"); German runs join only on "&" (every noun is capitalised). */
const CONNECTORS: Record<StoryLanguage, Set<string>> = { en: new Set(['of', 'the', 'and', '&', 'de', 'la', 'y']), de: new Set(['&']) };

/** Runs of capitalised words that are not the first word of a sentence (or of a clause after ":" / a quote). */
function capitalisedRuns(text: string, language: StoryLanguage, allowed: Set<string>): string[] {
  const runs: string[] = [];
  const sentences = new Intl.Segmenter(language, { granularity: 'sentence' }).segment(text);
  for (const { segment } of sentences) {
    let run: string[] = []; let strong = false; let first = true; let pendingConnector: string | null = null;
    // English: a capitalised first word joins the run when the next word is a name too ("Phoebe Bridgers said…").
    let opener: string | null = null;
    const flush = () => {
      if (run.length > 0 && (language === 'en' || run.length >= 2 || strong)) runs.push(run.join(' '));
      run = []; strong = false; pendingConnector = null; opener = null;
    };
    for (const m of segment.matchAll(/[\p{L}\p{N}][\p{L}\p{N}'&.+-]*|[:"(]|\uE000/gu)) {
      const word = m[0].replace(/[.'-]+$/, '');
      if (word === ':' || word === '"' || word === '(') { flush(); first = true; continue; }
      if (word === MASK) { flush(); first = false; continue; }
      const capital = /^\p{Lu}/u.test(word);
      const allCaps = word.length >= 2 && /^[\p{Lu}\p{N}&+.-]+$/u.test(word) && /\p{Lu}.*\p{Lu}/u.test(word);
      const candidate = capital && !first && !allowed.has(word.toLowerCase());
      const wasFirst = first;
      first = false;
      if (wasFirst && capital && language === 'en' && !allowed.has(word.toLowerCase())) { opener = word; continue; }
      if (candidate) {
        if (opener && run.length === 0) run.push(opener);
        opener = null;
        if (pendingConnector && run.length > 0) run.push(pendingConnector);
        pendingConnector = null;
        run.push(word);
        if (allCaps) strong = true;
      } else if (run.length > 0 && CONNECTORS[language].has(word.toLowerCase()) && pendingConnector === null) {
        pendingConnector = word;
      } else {
        flush();
      }
      if (!candidate) opener = null;
    }
    flush();
  }
  return runs;
}
