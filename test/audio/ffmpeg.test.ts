import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { resolveFfmpeg, probe, decodeWithInfo, parseInputDump, AudioDecodeError, ANALYSIS_RATE_HZ, type FfmpegPaths } from '../../src/audio/index.js';
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

  /** For decodes whose full-rate stream the test does not look at. */
  const noNative = { start: () => undefined, samples: () => undefined };

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
    const result = await decodeWithInfo(file, paths, (c) => { chunks.push(c.length); for (const v of c) peak = Math.max(peak, Math.abs(v)); },
      noNative);
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
    await expectFailure(decodeWithInfo(cut, paths, () => undefined, noNative), 'truncated');
  });

  it('learns from one ffmpeg run what ffprobe says: format, codec, rate, channels, duration, tags (multi-line, Unicode, cover art)', async () => {
    const files = [
      make('tags.flac', ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100:duration=3', '-metadata', 'artist=Röyksopp',
        '-metadata', 'title=Eple 🍏', '-metadata', 'album=Melody A.M.', '-metadata', 'ISRC=NOBHQ0100010', '-metadata', 'comment=line one\nline two']),
      make('vorbis.ogg', ['-f', 'lavfi', '-i', 'sine=frequency=330:sample_rate=48000:duration=4', '-ac', '2', '-c:a', 'libvorbis',
        '-metadata', 'artist=Sigur Rós', '-metadata', 'title=Hoppípolla']),
      make('cover.mp3', ['-f', 'lavfi', '-i', 'sine=d=3', '-f', 'lavfi', '-i', 'color=c=red:s=32x32:d=1', '-map', '0', '-map', '1', '-c:v', 'mjpeg',
        '-disposition:v', 'attached_pic', '-metadata', 'title=With Art', '-metadata', 'album_artist=Band', '-metadata:s:v', 'comment=Cover (front)']),
      make('surround.flac', ['-f', 'lavfi', '-i', 'anoisesrc=d=2:a=0.1', '-af', 'aformat=channel_layouts=5.1', '-ar', '96000']),
      make('mono.wav', ['-f', 'lavfi', '-i', 'sine=d=2:sample_rate=8000']),
    ];
    for (const file of files) {
      const expected = await probe(file, paths);                       // ffprobe -print_format json: the independent reading
      let started: { sampleRateHz: number; channels: number } | null = null;
      const got = await decodeWithInfo(file, paths, () => undefined, { start: (f) => { started = f; }, samples: () => undefined });
      const name = path.basename(file);
      expect(got.info.tags, name).to.deep.equal(expected.tags);
      expect({ ...got.info, duration_s: 0, tags: null }, name).to.deep.equal({ ...expected, duration_s: 0, tags: null });
      expect(got.info.duration_s, name).to.be.closeTo(expected.duration_s, 0.006);
      expect(started, name).to.deep.equal({ sampleRateHz: expected.sample_rate_hz, channels: expected.channels });
    }
  });

  it('keeps the full-rate stream and the tags when the tags are long or the dump is huge (a 40 KB comment, 800 chapters)', async () => {
    const longTags = make('long-tags.flac', ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=96000:duration=20', '-ac', '2',
      '-metadata', `comment=${'rip log line '.repeat(3300)}`, '-metadata', 'title=Long Tags']);
    const chapters = path.join(tmp.dir, 'chapters.txt');
    writeFileSync(chapters, [';FFMETADATA1', 'title=Audiobook', 'artist=Narrator',
      ...Array.from({ length: 800 }, (_, i) => `[CHAPTER]\nTIMEBASE=1/1000\nSTART=${i * 25}\nEND=${(i + 1) * 25}\ntitle=Chapter ${i + 1}`)].join('\n'));
    const book = make('book.m4a', ['-f', 'lavfi', '-i', 'sine=frequency=300:sample_rate=44100:duration=20', '-i', chapters, '-map', '0:a', '-map_metadata', '1', '-c:a', 'aac']);
    for (const [file, title] of [[longTags, 'Long Tags'], [book, 'Audiobook']] as const) {
      let started: { sampleRateHz: number; channels: number } | null = null; let native = 0;
      const got = await decodeWithInfo(file, paths, () => undefined, { start: (f) => { started = f; }, samples: (c) => { native += c.length; } });
      const expected = await probe(file, paths);
      expect(got.info.tags.title, path.basename(file)).to.equal(title);
      expect(started, path.basename(file)).to.deep.equal({ sampleRateHz: expected.sample_rate_hz, channels: expected.channels });
      expect(native / expected.channels / expected.sample_rate_hz, 'seconds of full-rate audio').to.be.closeTo(20, 0.1);
    }
  });

  it('reads ffmpeg\'s input dump: programs, chapters and other streams keep their tags to themselves; log lines inside are skipped', () => {
    const dump = [
      "[mpegts @ 0x1] Could not find codec parameters for stream 2",
      "Input #0, mpegts, from '/music/a, from 'b'.ts':",
      '  Duration: N/A, start: 1.400000, bitrate: N/A',
      '  Program 1',
      '    Metadata:',
      '      service_name    : Radio One',
      '  Stream #0:0[0x100]: Video: h264 (High), yuv420p, 1280x720, 25 fps',
      '    Metadata:',
      '      title           : Not the song',
      '[h264 @ 0x2] a decoder warning in the middle',
      '  Stream #0:1[0x101](eng): Audio: mp2, 48000 Hz, stereo, fltp, 192 kb/s',
      '    Metadata:',
      '      TITLE           : The Song',
      '      ARTIST          : First line',
      '                      : second line',
      '  Chapters:',
      '    Chapter #0:0: start 0.000000, end 1.000000',
      '      Metadata:',
      '        title           : Chapter One',
      'Stream mapping:',
      '  Stream #0:1 -> #0:0 (mp2 (native) -> pcm_f32le (native))',
    ].join('\n');
    expect(parseInputDump(dump)).to.deep.equal({
      duration_s: NaN, format: 'mpegts', codec: 'mp2', sample_rate_hz: 48000, channels: 0,
      tags: { artist: 'First line\nsecond line', title: 'The Song', album: null, isrc: null },
    });
    expect(parseInputDump("Input #0, image2, from 'cover.jpg':\n  Stream #0:0: Video: mjpeg, 32x32\n")).to.equal(null, 'no audio stream');
    expect(parseInputDump('notes.mp3: Invalid data found when processing input\n')).to.equal(null, 'not media');
  });

  it('says missing, zero-byte and not-audio from that one run as probe does', async () => {
    await expectFailure(decodeWithInfo(path.join(tmp.dir, 'nowhere.ogg'), paths, () => undefined, noNative), 'missing');
    const empty = path.join(tmp.dir, 'empty2.mp3'); writeFileSync(empty, '');
    await expectFailure(decodeWithInfo(empty, paths, () => undefined, noNative), 'zero-byte');
    const text = path.join(tmp.dir, 'notes2.mp3'); writeFileSync(text, 'these are not the songs you are looking for\n'.repeat(50));
    await expectFailure(decodeWithInfo(text, paths, () => undefined, noNative), 'not-audio');
    const video = make('silent-video2.mkv', ['-f', 'lavfi', '-i', 'color=c=black:s=32x32:d=1', '-c:v', 'ffv1']);
    await expectFailure(decodeWithInfo(video, paths, () => undefined, noNative), 'not-audio');
    // Truncated: the cut FLAC of 'records zero-byte, not-audio and truncated files' goes through this run too.
  });

  it('names the missing tool instead of failing obscurely', () => {
    expect(() => resolveFfmpeg({ FFMPEG_PATH: '/nonexistent/ffmpeg', FFPROBE_PATH: '/nonexistent/ffprobe', PATH: '/nonexistent' }))
      .to.throw(/ffmpeg not found/);
  });
});
