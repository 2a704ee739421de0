import en from '../locales/playlists.en.json';
import de from '../locales/playlists.de.json';
import { pageTexts } from '../i18n';

/** The Playlists page's texts (its own dictionaries, loaded with its code), then the shared ones. */
export const { t, tn, has } = pageTexts({ en, de });
