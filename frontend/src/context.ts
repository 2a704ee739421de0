import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

/** What the server says about an account's history (GET /api/v1/span). */
export interface Span {
  account: string; first_at: number | null; last_at: number | null; last_day: string | null; streams: number; plays: number;
  years: number[]; sources: string[]; lacks: ('skips' | 'albums')[]; time_zone: string;
}

/** What every page shares: the account, its history span, the time zone every date is shown in. */
export interface PanelContext { account: string; accounts: string[]; span: Span; zone: string; now: number }

export const Panel = createContext<PanelContext>(null as unknown as PanelContext);
export const usePanel = () => useContext(Panel);

/** The `account=` query part every API call carries. */
export const acc = (ctx: PanelContext) => `account=${encodeURIComponent(ctx.account)}`;
