import { expect } from 'chai';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { configSchema } from '../../src/config/index.js';
import { INGRESS_PORT, STANDALONE_ONLY_OPTIONS } from '../../src/config/index.js';
import { ENTITIES } from '../../src/mqtt/entities.js';
import { tempDir, waitFor } from '../support/helpers.js';
import { ROOT, S6, RE_SCHEMA_ELEMENT, dockerInstructions, readYaml, valueMatches, walk } from './addon-files.js';

const config = readYaml('config.yaml');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

/** Options the Supervisor fixes for the add-on (no UI option): config/index.ts addonFixedOptions. */
const ADDON_FIXED = STANDALONE_ONLY_OPTIONS;
/** Keys the add-on linter knows (frenck/action-addon-linter config.schema.json, research/ha-addon.md §2). */
const KNOWN_KEYS = new Set(['name', 'version', 'slug', 'description', 'arch', 'url', 'init', 'startup', 'boot', 'ingress', 'ingress_port',
  'ingress_entry', 'ingress_stream', 'panel_icon', 'panel_title', 'panel_admin', 'webui', 'ports', 'ports_description', 'host_network',
  'services', 'map', 'options', 'schema', 'timeout', 'backup', 'backup_exclude', 'backup_pre', 'backup_post', 'hassio_api', 'hassio_role',
  'homeassistant_api', 'auth_api', 'image', 'journald', 'tmpfs', 'stage', 'homeassistant', 'breaking_versions', 'privileged', 'full_access',
  'docker_api', 'devices', 'usb', 'uart', 'gpio', 'audio', 'video', 'host_pid', 'host_ipc', 'host_uts', 'host_dbus', 'apparmor', 'ulimits',
  'environment', 'machine', 'discovery', 'stdin', 'legacy', 'realtime', 'kernel_modules', 'udev', 'devicetree']);
/** Values the linter rejects because they are the defaults. */
const DEFAULTS: Record<string, unknown> = { init: true, ingress_port: 8099, startup: 'application', boot: 'auto', timeout: 10, stage: 'stable',
  panel_icon: 'mdi:puzzle', panel_admin: true, backup: 'hot', host_network: false, hassio_api: false, homeassistant_api: false,
  auth_api: false, ingress: false, ingress_stream: false, journald: false, tmpfs: false, privileged: [], full_access: false, docker_api: false,
  apparmor: true };

describe('add-on: config.yaml, build.yaml, Dockerfile, rootfs, translations (research/ha-addon.md §13)', function () {
  this.timeout(300_000);

  it('has the required keys, a valid slug and a version equal to package.json and the changelog', () => {
    for (const key of ['name', 'version', 'slug', 'description', 'arch']) expect(config[key], key).to.not.be.oneOf([undefined, null, '']);
    expect(config.slug).to.equal('vibescope').and.to.match(/^[a-z0-9_]+$/);
    expect(config.version).to.be.a('string').and.to.match(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
    expect(config.version).to.equal(pkg.version);
    expect(readFileSync(path.join(ROOT, 'CHANGELOG.md'), 'utf8')).to.match(/^## \[(Unreleased|\d+\.\d+\.\d+)\]/m);
  });

  it('targets aarch64 and amd64 only, runs s6 (init: false) behind ingress on the server port', () => {
    expect(config.arch).to.be.an('array').that.is.not.empty;
    expect(new Set(config.arch).size).to.equal(config.arch.length);
    for (const a of config.arch) expect(a).to.be.oneOf(['aarch64', 'amd64']);
    expect(config.init).to.equal(false);
    expect(config.ingress).to.equal(true);
    expect(config.ingress_port ?? 8099).to.equal(INGRESS_PORT);
    expect(config.webui).to.equal(undefined);
    expect(JSON.stringify(config.ports ?? {})).to.not.include(String(INGRESS_PORT));
    expect(config.panel_icon).to.match(/^mdi:[a-z0-9-]+$/);
    expect(config.timeout === undefined || (Number.isInteger(config.timeout) && config.timeout > 10 && config.timeout <= 300)).to.equal(true);
  });

  it('has no unknown, obsolete or default-valued keys', () => {
    for (const key of Object.keys(config)) expect(KNOWN_KEYS.has(key), `unknown key ${key}`).to.equal(true);
    for (const key of ['watchdog', 'codenotary', 'advanced', 'auto_uart', 'snapshot', 'snapshot_exclude']) expect(config[key], key).to.equal(undefined);
    for (const [key, value] of Object.entries(DEFAULTS)) {
      if (key in config) expect(config[key], `${key} is set to its default`).to.not.deep.equal(value);
    }
  });

  it('wants MQTT and maps media read-only (share writable only for the M3U folder) in the object form', () => {
    for (const s of config.services) expect(s).to.match(/^(mqtt|mysql):(provide|want|need)$/);
    expect(config.services).to.include('mqtt:want');
    const types = config.map.map((m: any) => m.type);
    expect(config.map.every((m: any) => typeof m === 'object')).to.equal(true);
    expect(new Set(types).size).to.equal(types.length);
    expect(types).to.include.members(['media', 'share']);
    for (const m of config.map) {
      expect(m.type).to.be.oneOf(['homeassistant_config', 'addon_config', 'ssl', 'addons', 'backup', 'share', 'media', 'all_addon_configs', 'data']);
      if (m.type === 'media') expect(m.read_only).to.equal(true);
      // /share is writable only for the M3U playlists (vibe_m3u_dir: /share/vibescope).
      if (m.type === 'share') expect(m.read_only).to.equal(config.options.vibe_m3u_dir?.startsWith('/share/') ? false : true);
    }
  });

  it('options and schema agree with each other and with the zod schema, both ways', () => {
    const schema = config.schema as Record<string, unknown>;
    const options = config.options as Record<string, unknown>;
    for (const key of Object.keys(options)) expect(schema, `option ${key} not in schema`).to.have.property(key);
    for (const [key, element] of Object.entries(schema)) {
      if (typeof element === 'string') {
        expect(element, key).to.match(RE_SCHEMA_ELEMENT);
        expect(key in options || element.endsWith('?'), `${key} has neither a default nor ?`).to.equal(true);
        if (key in options) expect(valueMatches(element, options[key]), `default of ${key}`).to.equal(true);
      } else {
        expect(Array.isArray(element), key).to.equal(true);
        const item = (element as unknown[])[0];
        if (typeof item === 'string') {
          expect(item, `${key}[]`).to.match(RE_SCHEMA_ELEMENT);
          for (const value of (options[key] as unknown[] | undefined) ?? []) expect(valueMatches(item, value), `default of ${key}[]`).to.equal(true);
        } else {
          for (const [sub, subElement] of Object.entries(item as Record<string, string>)) expect(subElement, `${key}.${sub}`).to.match(RE_SCHEMA_ELEMENT);
        }
      }
    }
    const zodKeys = Object.keys(configSchema.shape);
    for (const key of Object.keys(schema)) expect(zodKeys, `${key} missing from the zod schema`).to.include(key);
    for (const key of zodKeys) if (!ADDON_FIXED.includes(key)) expect(Object.keys(schema), `zod option ${key} missing from config.yaml`).to.include(key);
    // The defaults the add-on writes must pass the app's own validation.
    expect(() => configSchema.parse({ ...options })).to.not.throw();
  });

  it('translations name and describe every option (and every field of list-of-dict options)', () => {
    const schema = config.schema as Record<string, unknown>;
    for (const lang of ['en', 'de']) {
      const t = readYaml(`translations/${lang}.yaml`);
      expect(Object.keys(t)).to.deep.equal(['configuration']);
      expect(Object.keys(t.configuration).sort(), lang).to.deep.equal(Object.keys(schema).sort());
      for (const [key, entry] of Object.entries<any>(t.configuration)) {
        expect(entry.name, `${lang}.${key}.name`).to.be.a('string').and.not.empty;
        expect(entry.description, `${lang}.${key}.description`).to.be.a('string').and.not.empty;
        if (Array.isArray(schema[key]) && typeof (schema[key] as unknown[])[0] === 'object') {
          expect(Object.keys(entry.fields).sort(), `${lang}.${key}.fields`).to.deep.equal(Object.keys((schema[key] as any[])[0]).sort());
        }
      }
    }
  });

  it('keeps build.yaml consistent with config.yaml and the Dockerfile', () => {
    const build = readYaml('build.yaml');
    for (const key of Object.keys(build)) expect(['build_from', 'args', 'labels']).to.include(key);
    expect(Object.keys(build.build_from).sort()).to.deep.equal([...config.arch].sort());
    const first = dockerInstructions()[0]!;
    expect(first.op).to.equal('ARG');
    const m = /^BUILD_FROM=(\S+)$/.exec(first.args)!;
    expect(m, 'first instruction is ARG BUILD_FROM=<image:tag>').to.not.equal(null);
    expect(m[1]).to.match(/:[^:]+$/).and.not.match(/:latest$/);
    for (const image of Object.values(build.build_from)) expect(image).to.equal(m[1]);
  });

  it('Dockerfile: every FROM on BUILD_FROM, no CMD/ENTRYPOINT, rootfs copied, HEALTHCHECK on the ingress port, Node and ffmpeg from Alpine', () => {
    const ins = dockerInstructions();
    const froms = ins.filter((i) => i.op === 'FROM');
    expect(froms.length).to.be.greaterThan(0);
    for (const f of froms) expect(f.args).to.match(/\$\{BUILD_FROM\}/);
    expect(ins.some((i) => i.op === 'CMD' || i.op === 'ENTRYPOINT')).to.equal(false);
    expect(ins.some((i) => i.op === 'COPY' && i.args === 'rootfs /')).to.equal(true);
    const health = ins.find((i) => i.op === 'HEALTHCHECK')!;
    expect(health.args).to.include(`127.0.0.1:${INGRESS_PORT}/api/v1/health`);
    const runtime = ins.slice(ins.indexOf(froms.at(-1)!));
    const apk = runtime.find((i) => i.op === 'RUN' && i.args.includes('apk add'))!.args;
    expect(apk).to.match(/\bnodejs\b/).and.to.match(/\bffmpeg\b/).and.to.include('ffprobe');
    expect(ins.some((i) => i.op === 'RUN' && i.args.includes('npm ci --omit=dev'))).to.equal(true);
    const ignore = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n');
    expect(ignore).to.include.members(['.git', 'node_modules']);
  });

  it('rootfs: a valid s6-overlay v3 tree whose run script execs the server', () => {
    const services = walk(S6).map((f) => f.split(path.sep)[0]!).filter((v, i, a) => a.indexOf(v) === i);
    for (const svc of services.filter((s) => s !== 'user')) {
      const type = readFileSync(path.join(S6, svc, 'type'), 'utf8').trim();
      expect(type, svc).to.be.oneOf(['longrun', 'oneshot', 'bundle']);
      if (type === 'longrun') expect(existsSync(path.join(S6, svc, 'run')), `${svc}/run`).to.equal(true);
      if (type === 'oneshot') expect(existsSync(path.join(S6, svc, 'up')), `${svc}/up`).to.equal(true);
      for (const dep of walk(path.join(S6, svc, 'dependencies.d'))) expect(dep === 'base' || services.includes(dep), `${svc} → ${dep}`).to.equal(true);
    }
    for (const item of walk(path.join(S6, 'user', 'contents.d'))) expect(services, `user bundle → ${item}`).to.include(item);
    const staged = execFileSync('git', ['ls-files', '-s', '--', 'rootfs'], { cwd: ROOT, encoding: 'utf8' });
    for (const script of walk(S6).filter((f) => /(^|\/)(run|finish)$/.test(f))) {
      const text = readFileSync(path.join(S6, script), 'utf8');
      expect(text.startsWith('#!/command/with-contenv bashio\n'), script).to.equal(true);
      expect(text.includes('\r'), script).to.equal(false);
      const mode = new RegExp(`^(\\d+) \\S+ \\d\\s+rootfs/etc/s6-overlay/s6-rc.d/${script}$`, 'm').exec(staged)?.[1];
      expect(mode, `${script} is executable in git`).to.equal('100755');
    }
    const run = readFileSync(path.join(S6, 'vibescope', 'run'), 'utf8').trim().split('\n');
    expect(run.at(-1)).to.match(/^exec node .*\/opt\/vibescope\/dist\/src\/cli\.js serve$/);
    const up = readFileSync(path.join(S6, 'init-vibescope', 'up'), 'utf8').trim();
    expect(existsSync(path.join(ROOT, 'rootfs', up))).to.equal(true);
  });

  it('rootfs scripts pass bash -n and shellcheck', () => {
    const scripts = walk(S6).filter((f) => /(^|\/)(run|finish)$/.test(f)).map((f) => path.join(S6, f));
    for (const s of scripts) {
      const res = spawnSync('bash', ['-n', s], { encoding: 'utf8' });
      expect(res.status, `bash -n ${s}: ${res.stderr}`).to.equal(0);
    }
    const check = spawnSync('shellcheck', ['--version'], { encoding: 'utf8' });
    if (check.error) throw new Error('shellcheck is not installed: apt-get install -y shellcheck (.ci/run installs it)');
    const res = spawnSync('shellcheck', ['--shell=bash', ...scripts], { encoding: 'utf8' });
    expect(res.status, res.stdout).to.equal(0);
  });

  it('ships an AppArmor profile that apparmor_parser accepts, with exactly what Vibescope needs', () => {
    const file = path.join(ROOT, 'apparmor.txt');
    const text = readFileSync(file, 'utf8');
    // research/ha-addon.md §10: AppArmor stays on (apparmor: false would cost a rating point); apparmor.txt replaces the default profile.
    expect(config.apparmor, 'apparmor is not switched off').to.not.equal(false);
    const version = spawnSync('apparmor_parser', ['--version'], { encoding: 'utf8' });
    if (version.error) throw new Error('apparmor_parser is not installed: apt-get install -y apparmor (.ci/run installs it)');
    // -Q: compile everything but do not load it into a kernel; -K: no cache. Works without the kernel module.
    const parsed = spawnSync('apparmor_parser', ['-Q', '-K', file], { encoding: 'utf8' });
    expect(parsed.status, parsed.stderr).to.equal(0);
    const names = spawnSync('apparmor_parser', ['-N', file], { encoding: 'utf8' }).stdout.trim().split('\n');
    expect(names).to.deep.equal([config.slug, `${config.slug}//node`, `${config.slug}//node//ffmpeg`], 'one top-level profile named after the slug');
    expect(text).to.match(new RegExp(`^profile ${config.slug} flags=\\(attach_disconnected,mediate_deleted\\) \\{`, 'm'));
    // The run script's `exec node` (Alpine's /usr/bin/node) enters the server's profile; ffmpeg/ffprobe enter theirs.
    expect(readFileSync(path.join(S6, 'vibescope', 'run'), 'utf8')).to.match(/^exec node /m);
    expect(text).to.include('/usr/bin/node cx -> node,');
    expect(text).to.include('/usr/bin/ffmpeg cx -> ffmpeg,').and.to.include('/usr/bin/ffprobe cx -> ffmpeg,');
    const node = text.slice(text.indexOf('profile node'), text.indexOf('profile ffmpeg'));
    const ffmpeg = text.slice(text.indexOf('profile ffmpeg'));
    for (const rule of ['/data/** rwkl,', '/media/** r,', '/share/** r,', '/share/vibescope/** rwk,', '/opt/vibescope/** r,', 'network inet stream,',
      'network inet dgram,']) expect(node, `server profile: ${rule}`).to.include(rule);
    expect(node).to.not.match(/^\s*\/(media|share)\/\*\* [a-z]*w/m, 'music folders stay read-only');
    expect(ffmpeg).to.not.match(/network|\/data/, 'ffmpeg reads music and writes to a pipe, nothing else');
    // The parser really checks: the same profile with a broken rule is refused.
    const tmp = path.join(ROOT, 'node_modules', '.apparmor-broken.txt');
    writeFileSync(tmp, text.replace('/media/** r,', '/media/** rz,'));
    try {
      expect(spawnSync('apparmor_parser', ['-Q', '-K', tmp], { encoding: 'utf8' }).status).to.not.equal(0);
    } finally { rmSync(tmp, { force: true }); }
  });

  it('README and the store page (DOCS.md) name every Home Assistant entity Vibescope publishes', () => {
    for (const file of ['README.md', 'DOCS.md']) {
      const text = readFileSync(path.join(ROOT, file), 'utf8');
      for (const def of ENTITIES.filter((d) => d.component !== 'device_automation')) {
        // Rows name an entity in full or as a suffix of the row's first id ("`_skips_today`").
        expect(text.includes(`vibescope_<acct>_${def.key}\``) || text.includes(`\`_${def.key}\``), `${file}: ${def.component}.vibescope_<acct>_${def.key}`).to.equal(true);
      }
    }
  });

  it('has repository.yaml, the presentation files and no stray add-on configs', () => {
    const repo = readYaml('repository.yaml');
    expect(repo.name).to.be.a('string').and.not.empty;
    expect(() => new URL(repo.url)).to.not.throw();
    for (const f of ['README.md', 'DOCS.md', 'CHANGELOG.md']) expect(existsSync(path.join(ROOT, f)), f).to.equal(true);
    for (const [file, square] of [['icon.png', true], ['logo.png', false]] as const) {
      const png = readFileSync(path.join(ROOT, file));
      expect(png.subarray(1, 4).toString('ascii'), file).to.equal('PNG');
      const width = png.readUInt32BE(16); const height = png.readUInt32BE(20);
      if (square) expect([width, height]).to.deep.equal([128, 128]);
    }
    const tracked = execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' }).split('\n');
    const stray = tracked.filter((f) => /(^|\/)config\.(ya?ml|json)$/.test(f) && f !== 'config.yaml' && !f.startsWith('rootfs/') && !/(^|\/)\./.test(f));
    expect(stray).to.deep.equal([]);
  });

  it("the Dockerfile's production steps, run outside Docker, give a server that starts from a Supervisor options.json, answers health and exits 0 on SIGTERM", async () => {
    const tmp = await tempDir('vibescope-addon-');
    const build = path.join(tmp.dir, 'src-build');
    const opt = path.join(tmp.dir, 'opt');
    const data = path.join(tmp.dir, 'data');
    try {
      const ins = dockerInstructions();
      const runtimeStart = ins.findLastIndex((i) => i.op === 'FROM');
      mkdirSync(build, { recursive: true });
      for (const [idx, i] of ins.entries()) {
        if (idx >= runtimeStart) break;
        if (i.op === 'COPY') {
          const parts = i.args.split(/\s+/);
          for (const src of parts.slice(0, -1)) cpSync(path.join(ROOT, src), path.join(build, src), { recursive: true });
        }
        if (i.op === 'RUN' && i.args.startsWith('npm')) {
          const res = spawnSync('sh', ['-c', i.args], { cwd: build, encoding: 'utf8', timeout: 240_000 });
          expect(res.status, `${i.args}\n${res.stderr}`).to.equal(0);
        }
      }
      for (const i of ins.slice(runtimeStart)) {
        const m = /^--from=build\s+\/src\/(\S+)\s+(\S+)$/.exec(i.op === 'COPY' ? i.args : '');
        if (!m) continue;
        const from = path.join(build, m[1]!);
        const isDir = m[1]!.endsWith('/');
        cpSync(from, isDir ? path.join(opt, m[2]!) : path.join(opt, m[2]!, path.basename(from)), { recursive: true });
      }
      expect(existsSync(path.join(opt, 'node_modules', 'mocha')), 'no dev dependencies in the image').to.equal(false);
      mkdirSync(data, { recursive: true });
      writeFileSync(path.join(data, 'options.json'), JSON.stringify(config.options));
      const exec = readFileSync(path.join(S6, 'vibescope', 'run'), 'utf8').trim().split('\n').at(-1)!
        .replace(/^exec node /, '').replaceAll('/opt/vibescope', opt).split(/\s+/);
      const port = 20000 + Math.floor(Math.random() * 20000);
      const child = spawn(process.execPath, exec, { cwd: opt, env: { ...process.env, NODE_ENV: 'production',
        VIBESCOPE_OPTIONS_FILE: path.join(data, 'options.json'), VIBESCOPE_PORT: String(port), VIBESCOPE_METADATA_ENRICHMENT: 'false' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout!.on('data', (c) => { output += String(c); });
      child.stderr!.on('data', (c) => { output += String(c); });
      const health = await waitFor(async () => {
        const res = await fetch(`http://127.0.0.1:${port}/api/v1/health`);
        return res.ok ? (await res.json()) as any : null;
      }, { timeoutMs: 30_000, what: () => `health (output: ${output.slice(-1500)})` });
      expect(health.status).to.equal('ok');
      // The add-on's Log tab gets plain lines like bashio's, not JSON.
      expect(output).to.match(/^\[\d\d:\d\d:\d\d\] INFO: vibescope started /m);
      expect(output).to.not.match(/^\{"level"/m);
      expect(existsSync(path.join(data, 'vibescope.json')) || existsSync(path.join(data, 'journal')), 'data lands next to options.json').to.equal(true);
      child.kill('SIGTERM');
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      expect(code, output.slice(-1500)).to.equal(0);
    } finally {
      await tmp.remove();
    }
  });
});
