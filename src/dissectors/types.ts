/**
 * Dissectors stage: protocol messages → typed VIM messages.
 *
 * `VimMessage` is the common shape behind `vim-analyse messages --json` (DESIGN.md,
 * "Output contracts"); each VIM's dissector also exports richer typed events in its own
 * `types.ts` for the timeline stage. Secrets (tokens, passwords, SecretID, AuthToken,
 * AMQP credentials, admin passwords) are dropped here and never leave this stage.
 */

export type Vim = 'nova' | 'nomad';

export type VimMessageType = 'http' | 'rpc-call' | 'rpc-cast' | 'notification' | 'nomad-rpc';

/** The ids a message carries (only the ones present). */
export interface MessageIds {
  server?: string;
  request?: string;
  image?: string;
  job?: string;
  eval?: string;
  alloc?: string;
  node?: string;
  /** A Neutron port (its create's response, its update's path). */
  port?: string;
  /** A Neutron agent's tap device (`tap` + the port id's first 11 characters). */
  device?: string;
  /** More than one instance/alloc (e.g. a GetClientAllocs reply, a multi-instance boot). */
  servers?: string[];
  allocs?: string[];
}

/** An HTTP exchange as a dissector reports it (Nova's and Nomad's HTTP events extend it). */
export interface HttpEventBase {
  /** Route template, `METHOD /path/{id}` (no query). */
  route: string;
  method: string;
  /** HTTP status of the final response; null when none was seen. */
  status: number | null;
  reqFirst: number;
  reqLast: number;
  respFirst: number | null;
  respLast: number | null;
  /** `ip:port` of the client and the server. */
  src: string;
  dst: string;
  conn: number;
  ids: MessageIds;
}

/** One sighting of a message on the wire: its first and last byte, on one connection. */
export interface Observation {
  /** Relative ns (see SessionClock). */
  first: number;
  last: number;
  /** `ip:port` of the sender and the receiver of these bytes. */
  src: string;
  dst: string;
  /** Connection id (net stage). */
  conn: number;
}

/** One exchange as `messages --json` shows it (times are relative ns here; ISO on output). */
export interface VimMessage {
  /** Relative ns of the first byte. */
  t: number;
  vim: Vim;
  type: VimMessageType;
  /** Route template, RPC method or event type. */
  name: string;
  /** Who answered or consumed it. */
  service: string;
  src: string;
  dst: string;
  /** First byte of the request to last byte of the response/reply (or publish → deliver), ms. */
  ms: number | null;
  status?: number | string;
  ids: MessageIds;
  /** Seen through a reverse proxy: where it went on and the time the proxy added (see ProxyHop). */
  via?: { proxy: string; backend: string; proxyMs: number | null };
  /** `backend`: the proxy → backend leg of a call (with --legs, or when the caller's leg is encrypted). */
  leg?: 'backend';
  /** The TCP connection of its first byte (net stage id: tshark's tcp.stream for one capture). */
  conn?: number;
  /** Frame number (1-based, tshark's frame.number) of the packet carrying its first byte, when known. */
  frame?: number;
}

/**
 * The kept messages, read by index (the diagnosis and `messages`): `MessageLog` stores
 * them in columns; `at(i)` makes one as an object.
 */
export interface MessageTable extends Iterable<VimMessage> {
  readonly length: number;
  /** Relative ns of the first byte. */
  t(i: number): number;
  ms(i: number): number | null;
  vim(i: number): Vim;
  name(i: number): string;
  src(i: number): string;
  dst(i: number): string;
  ids(i: number): MessageIds;
  /** The proxy hop of a call seen on both legs, if any. */
  via(i: number): VimMessage['via'];
  at(i: number): VimMessage;
}

export interface DissectorWarning {
  stage: 'dissectors';
  vim: Vim;
  ts?: number;
  message: string;
}
