import en from '../locales/genres.en.json';
import de from '../locales/genres.de.json';
import { pageTexts } from '../i18n';

/** The Genres page's texts (its own dictionaries, loaded with its code), then the shared ones. */
export const { t, tn, has } = pageTexts({ en, de });
