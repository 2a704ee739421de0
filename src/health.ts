import type { Bus } from './bus.js';

/**
 * One thing that is wrong or was wrong, for /api/v1/health, the panel's status and the Home
 * Assistant diagnostic entity. `message` is a sentence for a person: the cause and the fix.
 */
export interface Problem {
  /** Stable key: the same problem reported twice is one problem ('storage', 'journal.set_aside', 'import', 'snapshot.quarantine'…). */
  id: string;
  /** Machine-readable code (an ErrorCode or a recovery code such as SNAPSHOT_QUARANTINED). */
  code: string;
  message: string;
  /** First report, ms since the epoch. */
  since: number;
  /** Latest report, ms since the epoch. */
  last_at: number;
  /** Times reported since `since`. */
  count: number;
  /** True when the user may dismiss it (a one-off recovery); false when only the cause going away clears it. */
  dismissible: boolean;
}

/** What the health registry reports: `degraded` while any problem is open. */
export interface HealthState { status: 'ok' | 'degraded'; problems: Problem[] }

/**
 * The registry of open problems (PRODUCT.md: "every failure is visible"). Capabilities report and
 * clear by id; nothing here decides that a problem went away, so a later success elsewhere can never
 * hide a failure (a storage error stays until storage works again). Emits `health.changed`.
 */
export function createHealth({ bus, now = Date.now }: { bus?: Bus; now?: () => number } = {}) {
  const open = new Map<string, Problem>();
  const changed = () => bus?.emit('health.changed', state());
  function state(): HealthState {
    const problems = [...open.values()].sort((a, b) => a.since - b.since);
    return { status: problems.length > 0 ? 'degraded' : 'ok', problems };
  }
  return {
    /** Opens (or refreshes) a problem. */
    report(id: string, problem: { code: string; message: string; dismissible?: boolean }): void {
      const prev = open.get(id);
      const t = now();
      open.set(id, { id, code: problem.code, message: problem.message, since: prev?.since ?? t, last_at: t,
        count: (prev?.count ?? 0) + 1, dismissible: problem.dismissible ?? false });
      if (!prev || prev.message !== problem.message || prev.code !== problem.code) changed();
    },
    /** Closes a problem because its cause went away (storage writes again, the import succeeded…). */
    clear(id: string): void {
      if (open.delete(id)) changed();
    },
    /** Closes a dismissible problem at the user's request; false when there is none or it may not be dismissed. */
    dismiss(id: string): boolean {
      const p = open.get(id);
      if (!p || !p.dismissible) return false;
      open.delete(id);
      changed();
      return true;
    },
    has: (id: string) => open.has(id),
    state,
  };
}

/** The health registry. */
export type Health = ReturnType<typeof createHealth>;
