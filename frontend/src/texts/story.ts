import en from '../locales/story.en.json';
import de from '../locales/story.de.json';
import { pageTexts } from '../i18n';

/** The Story page's texts (its own dictionaries, loaded with its code), then the shared ones. */
export const { t, tn, has, placeholders } = pageTexts({ en, de });
