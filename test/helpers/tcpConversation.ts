/** Moved to testkit/ (shared with fuzz/); re-exported for the tests that import it from here. */
export * from '../../testkit/tcpConversation.js';
