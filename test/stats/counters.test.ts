import { expect } from 'chai';
import { buildCore, stream } from '../support/core.js';

describe('stats: live counters for Home Assistant', () => {
  it('counts today in the configured zone, rolls over at local midnight, and keeps the streak', async () => {
    const core = await buildCore({ timeZone: 'Europe/Berlin' });
    try {
      // 2026-06-10 is a Wednesday. Plays on the 8th, 9th and 10th (local), one skip on the 10th.
      const at = (d: number, h: number) => Date.UTC(2026, 5, d, h - 2, 0); // CEST = UTC+2
      await core.ingest.record([stream(1, at(8, 20)), stream(2, at(9, 20)), stream(3, at(10, 9)), stream(4, at(10, 23)),
        stream(5, at(10, 23) + 300_000, { source: 'player', ms_played: 5_000, skipped: true })]);
      const late = core.stats.counters('default', at(10, 23) + 30 * 60_000); // 23:30 local
      expect(late).to.include({ plays_today: 2, skips_today: 1, streak_days: 3, stored_plays: 4 });
      expect(late.listening_ms_today).to.equal(2 * 200_000 + 5_000);
      expect(late.skip_rate_7d).to.equal(20);
      expect(late.day_ends_at).to.equal(Date.UTC(2026, 5, 10, 22, 0));
      const after = core.stats.counters('default', Date.UTC(2026, 5, 10, 22, 1)); // 00:01 on the 11th
      expect(after).to.include({ plays_today: 0, skips_today: 0, streak_days: 3 }, 'a streak survives until a day passes without a play');
      const broken = core.stats.counters('default', Date.UTC(2026, 5, 12, 10));
      expect(broken.streak_days).to.equal(0);
      expect(late.top_artist_week?.plays).to.be.at.least(1);
      expect(core.stats.counters('nobody', Date.now())).to.include({ plays_today: 0, stored_plays: 0 });
    } finally { await core.close(); }
  });
});
