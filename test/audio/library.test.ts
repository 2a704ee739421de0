import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createAudioLibrary, resolveFfmpeg, type FfmpegPaths } from '../../src/audio/index.js';
import { buildCore, stream, track } from '../support/core.js';
import { tempDir } from '../support/helpers.js';

describe('audio: the music library (scan, match, analyse, failures, gone)', function () {
  this.timeout(120_000);
  let paths: FfmpegPaths;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => { paths = resolveFfmpeg(); tmp = await tempDir('vibescope-lib-'); });
  after(async () => { await tmp.remove(); });
  const make = (rel: string, args: string[]) => {
    const file = path.join(tmp.dir, 'music', rel);
    mkdirSync(path.dirname(file), { recursive: true });
    const res = spawnSync(paths.ffmpeg, ['-v', 'error', '-y', ...args, file], { encoding: 'utf8' });
    if (res.status !== 0) throw new Error(res.stderr);
    return file;
  };

  it('matches files to Spotify tracks by name and duration or ISRC, analyses them once, records failures and vanished files', async () => {
    const core = await buildCore();
    try {
      // Spotify knows two tracks: one by name (duration 12 s), one by ISRC.
      await core.ingest.record([
        stream(1, Date.UTC(2026, 0, 1), { track: track(1, { name: 'Eple - Remastered 2011', artists: [{ spotify_id: 'r', name: 'Röyksopp' }], duration_ms: 12_000 }) }),
        stream(2, Date.UTC(2026, 0, 2), { track: track(2, { name: 'Something else', isrc: 'GBAYE0601498', duration_ms: 200_000 }) }),
      ]);
      make('Royksopp/eple.flac', ['-f', 'lavfi', '-i', 'sine=frequency=440:duration=12', '-metadata', 'artist=Royksopp', '-metadata', 'title=Eple']);
      make('other/isrc.ogg', ['-f', 'lavfi', '-i', 'sine=frequency=660:duration=8', '-c:a', 'libvorbis', '-metadata', 'artist=X', '-metadata', 'title=Y', '-metadata', 'ISRC=GBAYE0601498']);
      make('other/unmatched.mp3', ['-f', 'lavfi', '-i', 'anoisesrc=duration=7:amplitude=0.1']);
      writeFileSync(path.join(tmp.dir, 'music', 'other', 'broken.flac'), 'fLaC but not really');
      writeFileSync(path.join(tmp.dir, 'music', 'other', 'empty.mp3'), '');
      writeFileSync(path.join(tmp.dir, 'music', 'other', 'cover.jpg'), 'not scanned');
      const events: unknown[] = [];
      core.bus.on('features.extracted', 'test', (e) => { events.push(e); });
      const lib = createAudioLibrary({ store: core.store, bus: core.bus, log: (await import('../support/helpers.js')).quietLogger(), roots: [path.join(tmp.dir, 'music')], ffmpeg: paths });
      const first = await lib.scan();
      expect(first).to.include({ files_seen: 5, changed: 5, analysed: 3, failed: 2, matched: 2 });
      expect(events).to.have.length(3);
      const status = lib.status();
      expect(status).to.include({ analysed: 3, failed: 2, matched: 2, gone: 0 });
      expect(status.failures.map((f) => path.basename(f.path))).to.deep.equal(['broken.flac', 'empty.mp3']);
      expect(status.failures[1]!.reason).to.match(/^zero-byte/);
      expect(status.failures[0]!.reason).to.match(/^not-audio/);
      const trackId = core.store.sql.get<{ id: number }>("SELECT id FROM tracks WHERE uri = 'spotify:track:t1'")!.id;
      const features = core.store.library.featuresOfTrack(trackId)!;
      expect(features.duration_s).to.be.closeTo(12, 0.1);
      expect(features.spectral_centroid_hz as number).to.be.closeTo(440, 40);
      expect(core.store.library.featuresOfUri('spotify:track:t2')).to.not.equal(null);

      const again = await lib.scan();
      expect(again).to.include({ files_seen: 5, changed: 0, analysed: 0, failed: 0 }, 'unchanged files (and failures) are not redone');
      rmSync(path.join(tmp.dir, 'music', 'other', 'unmatched.mp3'));
      const third = await lib.scan();
      expect(third).to.include({ gone: 1, analysed: 0 });
      expect(lib.status()).to.include({ gone: 1, analysed: 2 });
    } finally { await core.close(); }
  });
});
