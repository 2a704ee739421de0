/**
 * Loaded by mocha before any test (.mocharc.json "require"). Metadata enrichment is on by default in
 * the product and would reach the public ListenBrainz / MusicBrainz: every child process a test
 * starts inherits this switch, so nothing leaves loopback unless a test points the services at its
 * own fakes (test/metadata/). In-process servers pass `metadata_enrichment: false` in their options.
 */
process.env.VIBESCOPE_METADATA_ENRICHMENT ??= 'false';
