import { createRequire } from 'node:module';
import type * as Countries from 'i18n-iso-countries';

/**
 * Country names → ISO 3166-1 alpha-2 through i18n-iso-countries (its English names and aliases:
 * "United Kingdom" → GB, "South Korea" → KR, "Kosovo" → XK). Only the English locale is loaded
 * (the package's Node entry would load all 80).
 */
const require = createRequire(import.meta.url);

/**
 * Names that are a country and also a region elsewhere (the US state of Georgia; the Belgian
 * province of Luxembourg): ListenBrainz gives only the area's name, so these are always checked
 * at MusicBrainz.
 */
const AMBIGUOUS = new Set(['georgia', 'luxembourg']);

/** The resolver: `codeOf(name)` → alpha-2 or null (not a country name, or an ambiguous one). */
export function createCountryNames() {
  const countries = require('i18n-iso-countries/index.js') as typeof Countries;
  countries.registerLocale(require('i18n-iso-countries/langs/en.json') as Countries.LocaleData);
  return {
    /** The ISO 3166-1 alpha-2 code of a country's English name, or null. */
    codeOf(name: string | null | undefined): string | null {
      if (!name || AMBIGUOUS.has(name.trim().toLowerCase())) return null;
      return countries.getAlpha2Code(name.trim(), 'en') ?? countries.getSimpleAlpha2Code(name.trim(), 'en') ?? null;
    },
    /** True when `code` is an assigned ISO 3166-1 alpha-2 code (or XK, Kosovo); MusicBrainz's XE/XW are not. */
    isCountry(code: string | null | undefined): boolean {
      return !!code && countries.isValid(code);
    },
  };
}

export type CountryNames = ReturnType<typeof createCountryNames>;

/**
 * The ISO 3166-1 numeric code of an alpha-2 code ("GB" → "826", "AR" → "032": three digits, as
 * world maps key their shapes, e.g. world-atlas), through i18n-iso-countries; null for a code without
 * one (MusicBrainz's XE/XW; Kosovo's XK has only the library's unofficial "983", which no map uses).
 */
export function numericCodeOf(alpha2: string): string | null {
  const countries = require('i18n-iso-countries/index.js') as typeof Countries;
  const code = alpha2.toUpperCase();
  if (code === 'XK') return null;
  return countries.alpha2ToNumeric(code) ?? null;
}
