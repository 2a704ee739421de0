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

describe('audio: the library over REST', function () {
  this.timeout(120_000);
  it('shows scan status and failures, scans on request and serves a track\'s features', async () => {
    const { parseConfig } = await import('../../src/config/index.js');
    const { startVibescope } = await import('../../src/main.js');
    const { quietLogger, waitFor } = await import('../support/helpers.js');
    const tmp = await tempDir('vibescope-librest-');
    const paths = resolveFfmpeg();
    const music = path.join(tmp.dir, 'music');
    mkdirSync(music, { recursive: true });
    spawnSync(paths.ffmpeg, ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=300:duration=9', '-metadata', 'artist=Artist 5', '-metadata', 'title=Song 5', path.join(music, 'five.flac')]);
    writeFileSync(path.join(music, 'zero.mp3'), '');
    const app = await startVibescope({ config: parseConfig({ data_dir: path.join(tmp.dir, 'data'), library_paths: [music], metadata_enrichment: false }), addon: false,
      log: quietLogger(), version: 't', port: 0, env: {} });
    const base = `http://127.0.0.1:${app.port}/api/v1`;
    try {
      await app.ingest.record([stream(5, Date.UTC(2026, 0, 3), { track: track(5, { duration_ms: null }) })]);
      await waitFor(async () => ((await (await fetch(`${base}/library`)).json()) as any).last_scan_at, { what: 'first scan' });
      // The first scan ran before the track existed: a rescan matches the already analysed file without analysing it again.
      const started = await fetch(`${base}/library/scan`, { method: 'POST' });
      expect(started.status).to.equal(202);
      const status = await waitFor(async () => { const s = (await (await fetch(`${base}/library`)).json()) as any; return !s.scanning && s.matched === 1 ? s : null; }, { what: 'matched after rescan' });
      expect(status).to.include({ analysed: 1, failed: 1 });
      expect(status.failures[0].reason).to.match(/^zero-byte/);
      const id = app.store.sql.get<{ id: number }>("SELECT id FROM tracks WHERE uri = 'spotify:track:t5'")!.id;
      const features = (await (await fetch(`${base}/tracks/${id}/features`)).json()) as any;
      expect(features.track_id).to.equal(id);
      expect(features.duration_s).to.be.closeTo(9, 0.1);
      const mood = (await (await fetch(`${base}/stats/mood?to=${Date.UTC(2026, 0, 5)}`)).json()) as any;
      expect(mood.plays_with_features).to.equal(1);
      expect(mood.week.energy).to.equal(features.energy);
      expect(mood.outliers).to.have.length(1);
      expect((await fetch(`${base}/tracks/999999/features`)).status).to.equal(404);
      expect((await fetch(`${base}/tracks/abc/features`)).status).to.equal(400);
    } finally { await app.stop(); await tmp.remove(); }
  });
});
