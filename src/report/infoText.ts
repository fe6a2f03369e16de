/** The terminal form of `vim-analyse info`. */
import type { CaptureInfo } from '../result/types.js';
import { formatBytes, textTable } from './textTable.js';
import { printable, visible } from './visible.js';

export function infoText(info: CaptureInfo): string {
  const out: string[] = [];
  const precision = info.tsPrecision >= 9 ? 'ns' : info.tsPrecision >= 6 ? 'µs' : `${info.tsPrecision} digits`;
  out.push(`file        ${visible(info.file)}`);
  out.push(`format      ${info.format}${info.gzip ? ' (gzip)' : ''}, ${precision} timestamps`);
  out.push(`link types  ${info.linkTypes.map((l) => `${l.name} (${l.linkType}): ${l.packets} packets`).join('; ')}`);
  out.push(`packets     ${info.packets} (${formatBytes(info.capturedBytes)} captured)`);
  if (info.encapsulations.length)
    out.push(`tunnels     ${info.encapsulations.map((x) => `${x.name}: ${x.packets} packets`).join('; ')}`);
  out.push(`time        ${info.start ?? '-'} → ${info.end ?? '-'} (${(info.durationMs / 1000).toFixed(3)} s)`);
  const n = info.net;
  out.push(
    `tcp         ${n.tcpSegments} segments, ${n.connections} connections, ${formatBytes(n.payloadBytes)} payload; ` +
      `${n.retransmissions} retransmissions, ${n.outOfOrder} out of order, ${n.gaps} gaps (${n.gapBytes} bytes)`,
  );
  const other = [
    n.nonIp && `${n.nonIp} non-IP frames`,
    n.nonTcp && `${n.nonTcp} non-TCP packets`,
    n.undecodable && `${n.undecodable} undecodable`,
    n.unsupportedLink && `${n.unsupportedLink} on unsupported link types`,
    n.ipFragments && `${n.ipFragments} IP fragments (${n.ipReassembled} datagrams reassembled)`,
    info.capture.badRecords &&
      `${info.capture.badRecords} damaged record headers (${info.capture.skippedBytes} bytes skipped)`,
    info.capture.capturedOverWire && `${info.capture.capturedOverWire} records longer than on the wire`,
    info.capture.fcsStripped && `${info.capture.fcsStripped} frame check sequences removed`,
  ].filter(Boolean);
  if (other.length) out.push(`other       ${other.join(', ')}`);
  out.push(`vantage     ${info.vantage.text}`);
  out.push('');
  const rows = info.connections.map((c) => [
    c.id,
    c.client,
    c.server,
    c.tls
      ? `tls ${c.tls.version?.replace('TLS ', '') ?? '?'}${c.tls.serverName ? ` ${c.tls.serverName}` : ''}`
      : c.protocol,
    (c.startMs / 1000).toFixed(3),
    (c.durationMs / 1000).toFixed(3),
    c.packets[0] + c.packets[1],
    c.bytes[0],
    c.bytes[1],
    c.gaps[0] + c.gaps[1],
    c.retransmissions[0] + c.retransmissions[1],
    c.handshake ? 'yes' : 'no',
    c.closed ?? '-',
  ]);
  out.push(
    textTable(
      [
        { title: '#', align: 'right' },
        { title: 'client' },
        { title: 'server' },
        { title: 'protocol' },
        { title: 'start s', align: 'right' },
        { title: 'dur s', align: 'right' },
        { title: 'packets', align: 'right' },
        { title: 'bytes c→s', align: 'right' },
        { title: 'bytes s→c', align: 'right' },
        { title: 'gaps', align: 'right' },
        { title: 'retrans', align: 'right' },
        { title: 'handshake' },
        { title: 'end' },
      ],
      rows,
    ),
  );
  if (info.warnings.length) {
    out.push('warnings:');
    for (const w of info.warnings) out.push(`  ${printable(w)}`);
  }
  return out.join('\n') + '\n';
}
