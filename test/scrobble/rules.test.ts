import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES } from '../support/fixtures.js';
import { validateSubmission } from '../support/listenbrainz-rules.js';
import { startFakeListenBrainz } from '../support/fake-listenbrainz.js';

const LB = path.join(FIXTURES, 'listenbrainz');
/** Which payloads ListenBrainz accepts and refuses (the sample's README; the file name says why). */
const ACCEPTED = ['valid_single.json', 'valid_import.json', 'playing_now_with_duration.json', 'playing_now_with_duration_ms.json',
  'same_batch_duplicates.json', 'additional_info.json', 'invalid_mbid_listens.json'];
const REFUSED = ['invalid_listen_missing_track_metadata.json', 'invalid_listen_nan_in_json.json', 'invalid_listen_null_listened_at.json',
  'invalid_listen_null_track_metadata.json', 'timestamp_before_lfm_founding.json', 'timestamp_in_ns.json', 'too_large_listen.json',
  'listen_having_unicode_null.json'];

describe('scrobble: the fake ListenBrainz applies ListenBrainz\'s submit rules (its own test payloads are the oracle)', () => {
  it('covers every payload file of the sample', () => {
    const payloads = readdirSync(LB).filter((f) => /^(valid|invalid|playing_now|same_batch|additional|too_large|listen_having|timestamp)/.test(f));
    expect([...payloads].sort()).to.deep.equal([...ACCEPTED, ...REFUSED].sort());
  });
  for (const f of ACCEPTED) it(`accepts ${f}`, () => expect(validateSubmission(readFileSync(path.join(LB, f), 'utf8'))).to.include({ ok: true }));
  for (const f of REFUSED) it(`refuses ${f}`, () => expect(validateSubmission(readFileSync(path.join(LB, f), 'utf8'))).to.include({ ok: false }));

  it('answers 400 with the reason over HTTP, 401 for an unknown token, and stores duplicates once', async () => {
    const fake = await startFakeListenBrainz();
    try {
      const post = (file: string, token = 'token-rob') => fetch(`${fake.url}/1/submit-listens`, { method: 'POST', headers: { authorization: `Token ${token}` },
        body: readFileSync(path.join(LB, file), 'utf8') });
      const bad = await post('timestamp_in_ns.json');
      expect(bad.status).to.equal(400);
      expect(((await bad.json()) as any).error).to.match(/listened_at is too high/);
      expect((await post('valid_single.json', 'wrong')).status).to.equal(401);
      expect((await post('same_batch_duplicates.json')).status).to.equal(200);
      expect(fake.stored.size).to.equal(1);
      const res = await post('valid_import.json');
      expect(res.headers.get('x-ratelimit-remaining')).to.match(/^\d+$/);
      expect(res.headers.get('x-ratelimit-reset-in')).to.match(/^\d+$/);
    } finally { await fake.close(); }
  });
});
