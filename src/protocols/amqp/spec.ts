/**
 * AMQP 0-9-1 constants and the method table (from the 0-9-1 specification plus
 * RabbitMQ's extensions: Confirm, Connection.Blocked/Update-Secret, Basic.Nack).
 *
 * An argument layout is a space-separated list of `name:type`; a name starting with `-`
 * is read past but not kept (reserved fields, and credentials that must never be kept).
 * Layouts are given only for methods whose arguments someone uses; the others keep `{}`.
 */

export const FRAME_METHOD = 1;
export const FRAME_HEADER = 2;
export const FRAME_BODY = 3;
export const FRAME_HEARTBEAT = 8;
export const FRAME_END = 0xce;
/** type(1) channel(2) size(4). */
export const FRAME_HEADER_SIZE = 7;
/** The header plus the frame-end octet: what frame-max counts on top of the payload. */
export const FRAME_OVERHEAD = 8;

export const PROTOCOL_HEADER = Uint8Array.of(0x41, 0x4d, 0x51, 0x50, 0, 0, 9, 1); // "AMQP" 0 0 9 1

export const FRAME_TYPE_NAMES: Record<number, string> = {
  [FRAME_METHOD]: 'method',
  [FRAME_HEADER]: 'header',
  [FRAME_BODY]: 'body',
  [FRAME_HEARTBEAT]: 'heartbeat',
};

export type ArgType = 'octet' | 'short' | 'long' | 'longlong' | 'shortstr' | 'longstr' | 'bit' | 'table';

export interface ArgSpec {
  name: string;
  type: ArgType;
  /** Read past, never kept (reserved fields; credentials). */
  skip: boolean;
}

export interface MethodSpec {
  classId: number;
  methodId: number;
  name: string;
  args: ArgSpec[];
  /** Starts a content (header + body frames follow on the channel). */
  content: boolean;
}

export const CLASS_NAMES: Record<number, string> = {
  10: 'Connection',
  20: 'Channel',
  30: 'Access',
  40: 'Exchange',
  50: 'Queue',
  60: 'Basic',
  85: 'Confirm',
  90: 'Tx',
};

// class id, method id, name, argument layout ('' = not decoded), content-bearing
const METHODS: Array<[number, number, string, string, boolean?]> = [
  [
    10,
    10,
    'Connection.Start',
    'versionMajor:octet versionMinor:octet -serverProperties:table mechanisms:longstr locales:longstr',
  ],
  // `response` carries the SASL credentials (PLAIN: \0user\0password): skipped, never decoded.
  [10, 11, 'Connection.Start-Ok', '-clientProperties:table mechanism:shortstr -response:longstr locale:shortstr'],
  [10, 20, 'Connection.Secure', '-challenge:longstr'],
  [10, 21, 'Connection.Secure-Ok', '-response:longstr'],
  [10, 30, 'Connection.Tune', 'channelMax:short frameMax:long heartbeat:short'],
  [10, 31, 'Connection.Tune-Ok', 'channelMax:short frameMax:long heartbeat:short'],
  [10, 40, 'Connection.Open', 'virtualHost:shortstr -capabilities:shortstr -insist:bit'],
  [10, 41, 'Connection.Open-Ok', ''],
  [10, 50, 'Connection.Close', 'replyCode:short replyText:shortstr classId:short methodId:short'],
  [10, 51, 'Connection.Close-Ok', ''],
  [10, 60, 'Connection.Blocked', 'reason:shortstr'],
  [10, 61, 'Connection.Unblocked', ''],
  [10, 70, 'Connection.Update-Secret', '-newSecret:longstr reason:shortstr'],
  [10, 71, 'Connection.Update-Secret-Ok', ''],
  [20, 10, 'Channel.Open', '-outOfBand:shortstr'],
  [20, 11, 'Channel.Open-Ok', ''],
  [20, 20, 'Channel.Flow', 'active:bit'],
  [20, 21, 'Channel.Flow-Ok', 'active:bit'],
  [20, 40, 'Channel.Close', 'replyCode:short replyText:shortstr classId:short methodId:short'],
  [20, 41, 'Channel.Close-Ok', ''],
  [30, 10, 'Access.Request', ''],
  [30, 11, 'Access.Request-Ok', ''],
  [
    40,
    10,
    'Exchange.Declare',
    '-ticket:short exchange:shortstr type:shortstr passive:bit durable:bit autoDelete:bit internal:bit noWait:bit',
  ],
  [40, 11, 'Exchange.Declare-Ok', ''],
  [40, 20, 'Exchange.Delete', '-ticket:short exchange:shortstr ifUnused:bit noWait:bit'],
  [40, 21, 'Exchange.Delete-Ok', ''],
  [40, 30, 'Exchange.Bind', '-ticket:short destination:shortstr source:shortstr routingKey:shortstr'],
  [40, 31, 'Exchange.Bind-Ok', ''],
  [40, 40, 'Exchange.Unbind', '-ticket:short destination:shortstr source:shortstr routingKey:shortstr'],
  [40, 51, 'Exchange.Unbind-Ok', ''],
  [
    50,
    10,
    'Queue.Declare',
    '-ticket:short queue:shortstr passive:bit durable:bit exclusive:bit autoDelete:bit noWait:bit',
  ],
  [50, 11, 'Queue.Declare-Ok', 'queue:shortstr messageCount:long consumerCount:long'],
  [50, 20, 'Queue.Bind', '-ticket:short queue:shortstr exchange:shortstr routingKey:shortstr'],
  [50, 21, 'Queue.Bind-Ok', ''],
  [50, 30, 'Queue.Purge', '-ticket:short queue:shortstr'],
  [50, 31, 'Queue.Purge-Ok', 'messageCount:long'],
  [50, 40, 'Queue.Delete', '-ticket:short queue:shortstr'],
  [50, 41, 'Queue.Delete-Ok', 'messageCount:long'],
  [50, 50, 'Queue.Unbind', '-ticket:short queue:shortstr exchange:shortstr routingKey:shortstr'],
  [50, 51, 'Queue.Unbind-Ok', ''],
  [60, 10, 'Basic.Qos', 'prefetchSize:long prefetchCount:short global:bit'],
  [60, 11, 'Basic.Qos-Ok', ''],
  [
    60,
    20,
    'Basic.Consume',
    '-ticket:short queue:shortstr consumerTag:shortstr noLocal:bit noAck:bit exclusive:bit noWait:bit',
  ],
  [60, 21, 'Basic.Consume-Ok', 'consumerTag:shortstr'],
  [60, 30, 'Basic.Cancel', 'consumerTag:shortstr noWait:bit'],
  [60, 31, 'Basic.Cancel-Ok', 'consumerTag:shortstr'],
  [60, 40, 'Basic.Publish', '-ticket:short exchange:shortstr routingKey:shortstr mandatory:bit immediate:bit', true],
  [60, 50, 'Basic.Return', 'replyCode:short replyText:shortstr exchange:shortstr routingKey:shortstr', true],
  [
    60,
    60,
    'Basic.Deliver',
    'consumerTag:shortstr deliveryTag:longlong redelivered:bit exchange:shortstr routingKey:shortstr',
    true,
  ],
  [60, 70, 'Basic.Get', '-ticket:short queue:shortstr noAck:bit'],
  [
    60,
    71,
    'Basic.Get-Ok',
    'deliveryTag:longlong redelivered:bit exchange:shortstr routingKey:shortstr messageCount:long',
    true,
  ],
  [60, 72, 'Basic.Get-Empty', ''],
  [60, 80, 'Basic.Ack', 'deliveryTag:longlong multiple:bit'],
  [60, 90, 'Basic.Reject', 'deliveryTag:longlong requeue:bit'],
  [60, 100, 'Basic.Recover-Async', 'requeue:bit'],
  [60, 110, 'Basic.Recover', 'requeue:bit'],
  [60, 111, 'Basic.Recover-Ok', ''],
  [60, 120, 'Basic.Nack', 'deliveryTag:longlong multiple:bit requeue:bit'],
  [85, 10, 'Confirm.Select', 'noWait:bit'],
  [85, 11, 'Confirm.Select-Ok', ''],
  [90, 10, 'Tx.Select', ''],
  [90, 11, 'Tx.Select-Ok', ''],
  [90, 20, 'Tx.Commit', ''],
  [90, 21, 'Tx.Commit-Ok', ''],
  [90, 30, 'Tx.Rollback', ''],
  [90, 31, 'Tx.Rollback-Ok', ''],
];

function parseLayout(layout: string): ArgSpec[] {
  if (layout === '') return [];
  return layout.split(' ').map((item) => {
    const [rawName, type] = item.split(':') as [string, ArgType];
    const skip = rawName.startsWith('-');
    return { name: skip ? rawName.slice(1) : rawName, type, skip };
  });
}

/** (classId << 16 | methodId) → spec. */
export const METHOD_TABLE: ReadonlyMap<number, MethodSpec> = new Map(
  METHODS.map(([classId, methodId, name, layout, content]) => [
    (classId << 16) | methodId,
    { classId, methodId, name, args: parseLayout(layout), content: content === true },
  ]),
);

export function methodSpec(classId: number, methodId: number): MethodSpec | undefined {
  return METHOD_TABLE.get((classId << 16) | methodId);
}

export function methodName(classId: number, methodId: number): string {
  return methodSpec(classId, methodId)?.name ?? `unknown.${classId}.${methodId}`;
}

/**
 * Content header properties in property-flag order (bit 15 first). `clusterId` is
 * reserved in 0-9-1 but still has a flag bit, so it must be read past when set.
 */
export const PROPERTY_LAYOUT: ReadonlyArray<[name: string, type: ArgType]> = [
  ['contentType', 'shortstr'],
  ['contentEncoding', 'shortstr'],
  ['headers', 'table'],
  ['deliveryMode', 'octet'],
  ['priority', 'octet'],
  ['correlationId', 'shortstr'],
  ['replyTo', 'shortstr'],
  ['expiration', 'shortstr'],
  ['messageId', 'shortstr'],
  ['timestamp', 'longlong'],
  ['type', 'shortstr'],
  ['userId', 'shortstr'],
  ['appId', 'shortstr'],
  ['clusterId', 'shortstr'],
];
