/**
 * Numbers as a story writes them, for the grounding check (grounding.ts): digits with the language's
 * decimal and thousands separators, percentages, durations in hours and minutes, and numbers written
 * out in English or German. Ordinal words (first, zweite), "twice", "half" and the articles "one" /
 * "ein(e)" are not read as numbers: they are too often not numbers at all.
 */

export type StoryLanguage = 'en' | 'de';

/** What a number in the text measures, as far as the words around it say. */
export type NumberUnit = 'percent' | 'hours' | 'minutes' | 'hours_minutes' | 'plain';

/** One number found in a text. */
export interface TextNumber {
  /** The words as written ("21,2 %", "three hours", "2 h 17 min"). */
  text: string;
  /**
   * Candidate readings with the decimals written (the rounding a fact is compared at): two where the
   * separators are ambiguous ("1,234" is 1234 in English, 1.234 in German; the language's own first).
   */
  candidates: { value: number; decimals: number }[];
  unit: NumberUnit;
  /** For hours_minutes: the total in minutes. */
  total_minutes?: number;
  written_out: boolean;
}

const EN_UNITS: Record<string, number> = {
  zero: 0, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12,
  thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17, eighteen: 18, nineteen: 19,
};
const EN_TENS: Record<string, number> = { twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90 };
const DE_SMALL: Record<string, number> = {
  null: 0, eins: 1, zwei: 2, drei: 3, vier: 4, fünf: 5, sechs: 6, sieben: 7, acht: 8, neun: 9, zehn: 10, elf: 11, zwölf: 12,
  dreizehn: 13, vierzehn: 14, fünfzehn: 15, sechzehn: 16, siebzehn: 17, achtzehn: 18, neunzehn: 19,
};
const DE_TENS: Record<string, number> = { zwanzig: 20, dreißig: 30, dreissig: 30, vierzig: 40, fünfzig: 50, sechzig: 60, siebzig: 70, achtzig: 80, neunzig: 90 };
const DE_UNIT_PREFIX: Record<string, number> = { ein: 1, zwei: 2, drei: 3, vier: 4, fünf: 5, sechs: 6, sieben: 7, acht: 8, neun: 9 };

/** A German number word of 0..999 999 ("einundzwanzig", "dreihundertvier", "zweimal"), or null. */
export function parseGermanNumberWord(word: string): number | null {
  let w = word.toLowerCase();
  if (w.endsWith('mal') && w.length > 3) w = w.slice(0, -3);
  if (w === '' || w === 'ein' || w === 'eine') return null;
  const below100 = (s: string): number | null => {
    if (s === '') return 0;
    if (s in DE_SMALL) return DE_SMALL[s]!;
    if (s in DE_TENS) return DE_TENS[s]!;
    const m = /^(ein|zwei|drei|vier|fünf|sechs|sieben|acht|neun)und(zwanzig|dreißig|dreissig|vierzig|fünfzig|sechzig|siebzig|achtzig|neunzig)$/.exec(s);
    return m ? DE_UNIT_PREFIX[m[1]!]! + DE_TENS[m[2]!]! : null;
  };
  const below1000 = (s: string): number | null => {
    const i = s.indexOf('hundert');
    if (i < 0) return below100(s);
    const head = s.slice(0, i);
    const factor = head === '' ? 1 : DE_UNIT_PREFIX[head] ?? null;
    const rest = below100(s.slice(i + 'hundert'.length));
    return factor === null || rest === null ? null : factor * 100 + rest;
  };
  const t = w.indexOf('tausend');
  if (t < 0) { const n = below1000(w); return n === null || (n === 0 && w !== 'null') ? null : n; }
  const head = w.slice(0, t);
  const factor = head === '' ? 1 : below1000(head);
  const rest = below1000(w.slice(t + 'tausend'.length));
  return factor === null || rest === null ? null : factor * 1000 + rest;
}

/** English number words in sequence ("twenty-one", "three hundred and five") → value, or null. */
function parseEnglishWords(words: string[]): number | null {
  let total = 0; let current = 0; let seen = false;
  for (const raw of words) {
    const w = raw.toLowerCase();
    if (w === 'and') continue;
    if (w in EN_UNITS) { current += EN_UNITS[w]!; seen = true; }
    else if (w in EN_TENS) { current += EN_TENS[w]!; seen = true; }
    else if (w === 'one') { current += 1; seen = true; }
    else if (w === 'hundred') { current = (current || 1) * 100; seen = true; }
    else if (w === 'thousand') { total += (current || 1) * 1000; current = 0; seen = true; }
    else return null;
  }
  return seen ? total + current : null;
}

const EN_WORD = 'zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand';
const EN_SEQUENCE = new RegExp(`\\b(?:${EN_WORD})(?:(?:[\\s-]+|\\s+and\\s+)(?:${EN_WORD}))*\\b`, 'gi');
const DE_WORD = /(?<![\p{L}])[\p{Ll}\p{Lu}]*?(?:null|eins|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf|zwanzig|ßig|ssig|zig|hundert|tausend)(?:mal)?(?![\p{L}])/gu;

/**
 * Replaces numbers written out as words with digits, remembering which spans were words. "one" alone
 * (en) and "ein"/"eine" (de) are left alone: they are usually articles or pronouns.
 */
function digitize(text: string, language: StoryLanguage): { text: string; written: { at: number; length: number; original: string }[] } {
  const written: { at: number; length: number; original: string }[] = [];
  let out = '';
  let last = 0;
  const pattern = language === 'en' ? EN_SEQUENCE : DE_WORD;
  pattern.lastIndex = 0;
  for (const m of text.matchAll(pattern)) {
    const original = m[0];
    let value: number | null;
    if (language === 'en') {
      const words = original.split(/[\s-]+/);
      value = words.length === 1 && words[0]!.toLowerCase() === 'one' ? null : parseEnglishWords(words);
    } else {
      value = parseGermanNumberWord(original);
    }
    if (value === null) continue;
    out += text.slice(last, m.index);
    const digits = String(value);
    written.push({ at: out.length, length: digits.length, original });
    out += digits;
    last = m.index! + original.length;
  }
  out += text.slice(last);
  return { text: out, written };
}

const HOURS = String.raw`(?:h|hrs?|hours?|Std\.?|Stunden?)`;
const MINUTES = String.raw`(?:min\.?|mins|minutes?|Minuten?)`;
const NUM = String.raw`\d+(?:[.,\u00a0\u202f]\d+)*`;
const COMPOSITE = new RegExp(String.raw`(?<![\p{L}\d])(${NUM})\s*${HOURS}\s*(?:,|and|und)?\s*(\d+)\s*${MINUTES}(?![\p{L}])`, 'gu');
const SINGLE = new RegExp(String.raw`(?<![\p{L}\d])[-−+]?(${NUM})(?:\s*(%|percent\b|per cent\b|Prozent\b|pts?\b|percentage points?\b|Prozentpunkte\w*)|\s*(${HOURS})(?![\p{L}])|\s*(${MINUTES})(?![\p{L}]))?`, 'gu');

/** Candidate values of digits written with separators, in the language's convention first. */
function valuesOf(raw: string, language: StoryLanguage): { value: number; decimals: number }[] {
  const s = raw.replace(/[\u00a0\u202f]/g, ' ');
  const interpret = (decimal: string, thousands: string): { value: number; decimals: number } | null => {
    const parts = s.split(decimal);
    if (parts.length > 2) return null;
    const whole = parts[0]!;
    const groups = whole.split(new RegExp(`[${thousands === '.' ? '.' : ','} ]`));
    if (groups.length > 1 && !groups.slice(1).every((g) => g.length === 3)) return null;
    const frac = parts[1] ?? '';
    if (!/^\d*$/.test(frac) || groups.some((g) => !/^\d+$/.test(g))) return null;
    return { value: Number(`${groups.join('')}${frac ? `.${frac}` : ''}`), decimals: frac.length };
  };
  const primary = language === 'de' ? interpret(',', '.') : interpret('.', ',');
  const other = language === 'de' ? interpret('.', ',') : interpret(',', '.');
  const found = [primary, other].filter((x): x is { value: number; decimals: number } => x !== null);
  return found.filter((f, i) => found.findIndex((g) => g.value === f.value) === i);
}

/**
 * Every number in `text` (names already masked out by the caller), with its unit when the next word
 * names one: %, percent, Prozent, percentage points → percent; h, hours, Stunden → hours; min,
 * minutes, Minuten → minutes; "2 h 17 min" / "2 Stunden und 17 Minuten" → hours_minutes.
 */
export function findNumbers(text: string, language: StoryLanguage): TextNumber[] {
  const { text: digits, written } = digitize(text, language);
  const isWritten = (at: number, end: number) => written.some((w) => w.at < end && at < w.at + w.length);
  const originalOf = (at: number, end: number, fallback: string) => {
    const w = written.find((x) => x.at < end && at < x.at + x.length);
    return w ? w.original : fallback;
  };
  const found: TextNumber[] = [];
  const covered: [number, number][] = [];
  for (const m of digits.matchAll(COMPOSITE)) {
    const hours = valuesOf(m[1]!, language)[0]?.value;
    const mins = Number(m[2]);
    // "2 h 17 min" only: whole hours and fewer than 60 minutes ("6.5 hours, 137 minutes" are two numbers).
    if (hours === undefined || !Number.isInteger(hours) || mins >= 60) continue;
    covered.push([m.index!, m.index! + m[0].length]);
    found.push({ text: m[0], candidates: [{ value: hours * 60 + mins, decimals: 0 }], unit: 'hours_minutes', total_minutes: hours * 60 + mins,
      written_out: isWritten(m.index!, m.index! + m[0].length) });
  }
  for (const m of digits.matchAll(SINGLE)) {
    const at = m.index!; const end = at + m[0].length;
    if (covered.some(([a, b]) => at < b && a < end)) continue;
    const candidates = valuesOf(m[1]!, language);
    if (candidates.length === 0) continue;
    const unit: NumberUnit = m[2] ? 'percent' : m[3] ? 'hours' : m[4] ? 'minutes' : 'plain';
    found.push({ text: originalOf(at, end, m[0].trim()), candidates, unit, written_out: isWritten(at, end) });
  }
  return found;
}
