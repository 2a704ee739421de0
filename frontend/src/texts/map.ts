import en from '../locales/map.en.json';
import de from '../locales/map.de.json';
import { pageTexts } from '../i18n';

/** The Map page's texts (its own dictionaries, loaded with its code), then the shared ones. */
export const { t, tn, has } = pageTexts({ en, de });
