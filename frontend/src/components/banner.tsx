import { useEffect, useState } from 'preact/hooks';
import { api, errorText, post } from '../api';
import { t } from '../i18n';
import { live } from '../live';

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
    const ctl = new AbortController();
    // Every change is pushed, so an answer to a request made before the latest push can only be older (it may
    // arrive after it) and is dropped. Asked again on every (re)connect: pushes sent while disconnected are lost.
    let pushes = 0; let loads = 0;
    const load = () => {
      const at = pushes; const mine = ++loads;
      api<HealthState>('health', { signal: ctl.signal }).then((h) => {
        if (mine === loads) setError(null);
        if (pushes === at && mine === loads) setState({ status: h.status, problems: h.problems });
      }).catch((e) => { if (!ctl.signal.aborted && mine === loads) setError(errorText(e)); });
    };
    load();
    const socket = live();
    const on = (h: HealthState) => { pushes++; setState({ status: h.status, problems: h.problems }); };
    socket.on('health', on); socket.on('connect', load);
    return () => { ctl.abort(); socket.off('health', on); socket.off('connect', load); };
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
