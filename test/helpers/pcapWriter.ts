/** Moved to testkit/ (shared with fuzz/ and bench/); re-exported for the tests that import it from here. */
export * from '../../testkit/pcapWriter.js';
