/**
 * yamux wire constants (hashicorp/yamux const.go). A frame is a 12-byte big-endian header
 * `version(1) type(1) flags(2) streamId(4) length(4)`; only data frames carry `length`
 * payload bytes (for the others `length` is a window delta, ping opaque or go-away code).
 */

export const yamuxHeaderBytes = 12;
export const yamuxVersion = 0;

export const YamuxType = {
  data: 0,
  windowUpdate: 1,
  ping: 2,
  goAway: 3,
} as const;

export const yamuxTypeNames: Record<number, string> = {
  0: 'data',
  1: 'window-update',
  2: 'ping',
  3: 'go-away',
};

export const YamuxFlag = {
  syn: 1,
  ack: 2,
  fin: 4,
  rst: 8,
} as const;

/** Any flag bit outside SYN|ACK|FIN|RST means we are not looking at a yamux header. */
export const yamuxKnownFlags = 0x0f;

export const yamuxGoAwayReasons: Record<number, string> = {
  0: 'normal',
  1: 'protocol error',
  2: 'internal error',
};

/**
 * Window deltas above this are not something yamux sends (its max window is 16 MiB by
 * default; Nomad keeps the 256 KiB default); used only to reject false headers in resync.
 */
export const yamuxMaxPlausibleWindowDelta = 1 << 30;
