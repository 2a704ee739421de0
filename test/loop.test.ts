import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const LOOP = pathToFileURL(path.join(import.meta.dirname, '..', 'src', 'loop.ts')).href;

/** Runs `code` (an ES module body; `whileLoopAlive` is imported) in a fresh node and returns its exit status and output. */
function run(code: string) {
  const res = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `import { whileLoopAlive } from '${LOOP}';\n${code}`],
    { encoding: 'utf8', timeout: 20_000 });
  return { status: res.status, stdout: res.stdout.trim(), stderr: res.stderr };
}

describe('loop: work no libuv handle stands for keeps the event loop alive (Node 20 DrainTasks deadlock, nodejs/node#54918)', function () {
  this.timeout(60_000);

  it('keeps the process running until the work settles, then lets it exit', () => {
    // An unref'd timer stands for work the loop does not count (a WebAssembly compile on V8's threads).
    const kept = run(`const t0 = Date.now(); const v = await whileLoopAlive(new Promise((r) => setTimeout(() => r(7), 300).unref()));
      console.log(v, Date.now() - t0 >= 290);`);
    expect(kept.status, kept.stderr).to.equal(0);
    expect(kept.stdout).to.equal('7 true');
    // The control: without it the loop runs empty and node ends with the top-level await unsettled (exit code 13).
    const bare = run(`await new Promise((r) => setTimeout(r, 300).unref()); console.log('reached');`);
    expect(bare.status).to.equal(13);
    expect(bare.stdout).to.equal('');
  });

  it('passes a rejection on and still lets the process exit', () => {
    const res = run(`try { await whileLoopAlive(new Promise((_, j) => setTimeout(() => j(new Error('no WebAssembly')), 100).unref())); }
      catch (err) { console.log(err.message); }`);
    expect(res.status, res.stderr).to.equal(0);
    expect(res.stdout).to.equal('no WebAssembly');
  });
});
