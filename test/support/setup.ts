/**
 * Loaded by mocha before any test (.mocharc.json "require"). Metadata enrichment is on by default in
 * the product and would reach the public ListenBrainz / MusicBrainz: every child process a test
 * starts inherits this switch, so nothing leaves loopback unless a test points the services at its
 * own fakes (test/metadata/). In-process servers pass `metadata_enrichment: false` in their options.
 */
process.env.VIBESCOPE_METADATA_ENRICHMENT ??= 'false';

/** How long the process may stay up after the last test before the harness ends it (ms). */
const EXIT_GRACE_MS = 60_000;

/**
 * Root hooks (mocha "require" + `mochaHooks`). After the last test the process should end on its own;
 * a test that failed before its clean-up can leave a server, an MQTT client or a child running, and
 * mocha (without --exit) would then wait for it for ever: CI saw that as a run that never finished.
 * Once the grace has passed, this names what is still open, and exits non-zero even if every test passed.
 */
export const mochaHooks = {
  afterAll(): void {
    setTimeout(() => {
      const open = process.getActiveResourcesInfo().filter((r) => r !== 'TTYWrap');
      process.stderr.write(`\ntest harness: still running ${EXIT_GRACE_MS / 1000} s after the last test; open: ${open.join(', ') || 'nothing listed'}.\n`
        + 'A test left a server, client, timer or child process running (look for one that failed before its clean-up). Exiting with failure.\n');
      // Mocha sets the exit code (its failure count) in its own 'exit' listener; this one runs after it.
      process.on('exit', () => { process.exitCode = Math.max(Number(process.exitCode ?? 0), 1); });
      process.exit();
    }, EXIT_GRACE_MS).unref();
  },
};
