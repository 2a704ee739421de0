import axios from 'axios';
import type { Logger } from '../log.js';
import type { Config } from './schema.js';

/** The languages stories are written in. */
export type StoryLanguageOption = 'en' | 'de';

/** 'de', 'de-AT', 'de_DE.UTF-8' → de; everything else → en (the template and the grounding of written-out numbers know en and de). */
export function storyLanguageOf(tag: string | undefined | null): StoryLanguageOption {
  return tag && /^de([-_.]|$)/i.test(tag.trim()) ? 'de' : 'en';
}

/**
 * The story language: the story_language option, or with `auto` Home Assistant's language (add-on:
 * GET http://supervisor/core/api/config, `language`; needs homeassistant_api in config.yaml,
 * https://developers.home-assistant.io/docs/api/rest), else the system locale (LC_ALL, LANG), else en.
 * Never throws: an unreachable Home Assistant gives the system locale.
 */
export async function resolveStoryLanguage(config: Pick<Config, 'story_language'>, log: Logger, env: NodeJS.ProcessEnv = process.env): Promise<StoryLanguageOption> {
  if (config.story_language !== 'auto') return config.story_language;
  const token = env.SUPERVISOR_TOKEN ?? env.HASSIO_TOKEN;
  if (token) {
    const base = env.VIBESCOPE_SUPERVISOR_URL ?? 'http://supervisor';
    try {
      const res = await axios.get(`${base}/core/api/config`, { headers: { authorization: `Bearer ${token}` }, timeout: 5000 });
      const language = (res.data as { language?: unknown } | undefined)?.language;
      if (typeof language === 'string') return storyLanguageOf(language);
    } catch (err) {
      const status = axios.isAxiosError(err) ? err.response?.status : undefined;
      log.info({ status: status ?? (err as Error).message }, 'supervisor: Home Assistant\'s language unknown; using the system locale for stories');
    }
  }
  return storyLanguageOf(env.LC_ALL ?? env.LC_MESSAGES ?? env.LANG);
}
