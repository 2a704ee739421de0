import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { resolveFfmpeg, probe, decode, AudioDecodeError, ANALYSIS_RATE_HZ, type FfmpegPaths } from '../../src/audio/index.js';
import { tempDir } from '../support/helpers.js';

describe('audio: the ffmpeg/ffprobe layer on real ffmpeg', function () {
  this.timeout(60_000);
  let paths: FfmpegPaths;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  const make = (name: string, args: string[]) => {
    const file = path.join(tmp.dir, name);
    const res = spawnSync(paths.ffmpeg, ['-v', 'error', '-y', ...args, file]);
    if (res.status !== 0) throw new Error(`ffmpeg could not make ${name}: ${res.stderr}`);
    return file;
  };
  before(async () => {
    paths = resolveFfmpeg(); // throws naming the package when ffmpeg is missing (.ci/run installs it)
    tmp = await tempDir('vibescope-audio-');
  });
  after(async () => { await tmp.remove(); });

  const expectFailure = async (p: Promise<unknown>, reason: string) => {
    try { await p; expect.fail(`expected ${reason}`); } catch (err) {
      expect(err).to.be.instanceOf(AudioDecodeError);
      expect((err as AudioDecodeError).reason).to.equal(reason);
    }
  };

  it('probes tags, duration and format with ffprobe -print_format json', async () => {
    const file = make('tagged.flac', ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100:duration=3',
      '-metadata', 'artist=Röyksopp', '-metadata', 'title=Eple 🍏', '-metadata', 'album=Melody A.M.', '-metadata', 'ISRC=NOBHQ0100010']);
    const p = await probe(file, paths);
    expect(p.format).to.equal('flac');
    expect(p.sample_rate_hz).to.equal(44100);
    expect(p.duration_s).to.be.closeTo(3, 0.01);
    expect(p.tags).to.deep.equal({ artist: 'Röyksopp', title: 'Eple 🍏', album: 'Melody A.M.', isrc: 'NOBHQ0100010' });
  });

  it('decodes to mono 22 050 Hz float PCM, streamed in chunks', async () => {
    const file = make('stereo.ogg', ['-f', 'lavfi', '-i', 'sine=frequency=1000:sample_rate=48000:duration=5', '-ac', '2', '-c:a', 'libvorbis']);
    const chunks: number[] = [];
    let peak = 0;
    const result = await decode(file, paths, (c) => { chunks.push(c.length); for (const v of c) peak = Math.max(peak, Math.abs(v)); },
      { expectedDurationS: (await probe(file, paths)).duration_s });
    expect(result.duration_s).to.be.closeTo(5, 0.05);
    expect(result.samples).to.equal(chunks.reduce((a, b) => a + b, 0));
    expect(chunks.length).to.be.greaterThan(1, 'streamed, not one buffer');
    expect(result.samples / 5).to.be.closeTo(ANALYSIS_RATE_HZ, 50);
    expect(peak).to.be.within(0.05, 1.01);
  });

  it('records zero-byte, not-audio and truncated files with the reason', async () => {
    const empty = path.join(tmp.dir, 'empty.mp3'); writeFileSync(empty, '');
    await expectFailure(probe(empty, paths), 'zero-byte');
    const text = path.join(tmp.dir, 'notes.mp3'); writeFileSync(text, 'these are not the songs you are looking for\n'.repeat(50));
    await expectFailure(probe(text, paths), 'not-audio');
    const video = make('silent-video.mkv', ['-f', 'lavfi', '-i', 'color=c=black:s=32x32:d=1', '-c:v', 'ffv1']);
    await expectFailure(probe(video, paths), 'not-audio');
    const whole = make('long.flac', ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=22050:duration=20']);
    const cut = path.join(tmp.dir, 'cut.flac');
    const bytes = readFileSync(whole);
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.3)));
    const probed = await probe(cut, paths);
    expect(probed.duration_s).to.be.closeTo(20, 0.5, 'the header still says 20 s');
    await expectFailure(decode(cut, paths, () => undefined, { expectedDurationS: probed.duration_s }), 'truncated');
  });

  it('names the missing tool instead of failing obscurely', () => {
    expect(() => resolveFfmpeg({ FFMPEG_PATH: '/nonexistent/ffmpeg', FFPROBE_PATH: '/nonexistent/ffprobe', PATH: '/nonexistent' }))
      .to.throw(/ffmpeg and ffprobe not found/);
  });
});
