/** Moved to testkit/ (shared with bench/); re-exported for the tests that import it from here. */
export * from '../../testkit/netns.js';
