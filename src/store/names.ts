/**
 * Name normalization for identity where a source has no URI (account-data exports, local files):
 * case, diacritics (Unicode NFKD, combining marks removed), punctuation, `feat.` credits and
 * "- Remastered 2011"-style suffixes do not matter.
 */
const FEAT_RE = /\s*[([]\s*(feat\.?|ft\.?|featuring|with)\s[^)\]]*[)\]]/giu;
const FEAT_TAIL_RE = /\s+(feat\.?|ft\.?|featuring)\s.*$/iu;
const SUFFIX_RE = /\s+-\s+(\d{4}\s+)?(digital(ly)?\s+)?re-?master(ed)?(\s+(version|\d{4}))?.*$/iu;
const PAREN_SUFFIX_RE = /\s*[([]\s*(\d{4}\s+)?(remaster(ed)?|re-?master(ed)?)[^)\]]*[)\]]/giu;

/** Normalizes one name: `"Beyoncé (feat. JAY-Z) - Remastered 2011"` → `"beyonce"`. */
export function nameKey(name: string): string {
  return name
    .replace(FEAT_RE, ' ')
    .replace(PAREN_SUFFIX_RE, ' ')
    .replace(SUFFIX_RE, '')
    .replace(FEAT_TAIL_RE, '')
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** The identity of a track without a URI: normalized primary artist + title. */
export function trackNameKey(artist: string, title: string): string {
  return `${nameKey(artist)}\u0001${nameKey(title)}`;
}
