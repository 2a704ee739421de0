import { useEffect, useState } from 'preact/hooks';
import { api, errorText, post } from '../api';
import { t } from '../i18n';
import { followLive } from '../live';

interface Problem { id: string; code: string; message: string; since: number; dismissible: boolean }
interface HealthState { status: 'ok' | 'degraded'; problems: Problem[] }

/**
 * The health banner: what is wrong right now (GET /api/v1/health, then the live `health` event),
 * each problem's sentence, and Dismiss for the ones a person may dismiss.
 */
export function HealthBanner() {
  const [state, setState] = useState<HealthState | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const show = (h: HealthState) => setState({ status: h.status, problems: h.problems });
    return followLive<HealthState, HealthState>('health', (signal) => api<HealthState>('health', { signal }), {
      onLoad: show, onPush: (h) => { show(h); return true; }, onError: (e) => setError(e === null ? null : errorText(e)),
    });
  }, []);
  const problems = state?.problems ?? [];
  if (problems.length === 0 && !error) return null;
  return (
    <div class="banner" role="alert" data-testid="health-banner">
      {error && <p>{error}</p>}
      {problems.map((p) => (
        <div key={p.id} class="problem" data-problem={p.id}>
          <p>{p.message}</p>
          {p.dismissible && <button type="button" onClick={() => post<HealthState>(`health/problems/${encodeURIComponent(p.id)}/dismiss`, {})
            .then((h) => setState(h)).catch((e) => setError(errorText(e)))}>{t('banner.dismiss')}</button>}
        </div>
      ))}
    </div>
  );
}
