import { useApi } from './api';
import { t } from './i18n';

/** How to name an option and where it is set: the add-on's Configuration tab, or standalone (vibescope.yaml / VIBESCOPE_*). */
export interface Setup {
  /** An option as the person sees it: its name in the add-on's Configuration tab, or its key standalone. */
  option: (key: string) => string;
  /** "in the add-on's Configuration tab" / "in vibescope.yaml or as a VIBESCOPE_… environment variable". */
  where: string;
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
    where: t(addon ? 'setup.where.addon' : 'setup.where.env'),
    restart: t(addon ? 'setup.restart.addon' : 'setup.restart.env'),
  };
}
