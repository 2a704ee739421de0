import { useApi } from './api';
import { lang, t } from './i18n';

/** "A, B and C" in the panel's language (Intl.ListFormat). */
const conjunction = new Intl.ListFormat(lang, { type: 'conjunction' });

/** How to name an option and where it is set: the add-on's Configuration tab, or standalone (vibescope.yaml / VIBESCOPE_*). */
export interface Setup {
  /** An option as the person sees it: its name in the add-on's Configuration tab, or its key standalone. */
  option: (key: string) => string;
  /**
   * Where the options `keys` are set: "in the add-on's Configuration tab", or standalone "in vibescope.yaml or
   * in the environment as VIBESCOPE_SCROBBLE_TOKEN" (each option's own `VIBESCOPE_<OPTION>`, README "Configuration").
   */
  where: (...keys: string[]) => string;
  /** "the add-on" / "Vibescope" (what to restart after changing an option). */
  restart: string;
}

/**
 * Where options are set, from GET /api/v1/connect (`set_client_id_in`); null until it answered.
 * The option names match translations/<lang>.yaml of the add-on.
 */
export function useSetup(): Setup | null {
  const { data } = useApi<{ set_client_id_in: 'addon_configuration' | 'environment' }>('connect');
  if (!data) return null;
  const addon = data.set_client_id_in === 'addon_configuration';
  return {
    option: (key) => (addon ? t('setup.quoted', { name: t(`option.${key}`) }) : key),
    where: (...keys) => (addon ? t('setup.where.addon')
      : t('setup.where.env', { vars: conjunction.format(keys.map((k) => `VIBESCOPE_${k.toUpperCase()}`)) })),
    restart: t(addon ? 'setup.restart.addon' : 'setup.restart.env'),
  };
}
