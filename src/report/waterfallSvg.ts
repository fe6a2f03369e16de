/**
 * One request on a time axis: a lane per host (the phases' hosts and the messages'
 * endpoints), its phases as bars in their host's lane, its messages as marks from sender
 * to receiver. Approximate phases are hatched with a dashed outline; absent phases are
 * listed under the axis with their reason. Plain SVG with `<title>` tooltips.
 */
import type { MessageLine, ResultRequest } from '../result/types.js';
import { isoToUnixNs, msBetween } from './isoTime.js';
import { packRows } from './laneRows.js';
import { linearScale } from './linearScale.js';
import { esc, fmtMs, fmtTick, px, textWidth } from './markup.js';
import { phaseColour } from './phaseColours.js';
import { colourOrder, orderedPhases } from './phaseTree.js';
import { messagesOfRequest, requestSpan } from './requestMessages.js';
import { endpointHost } from '../net/ipPacket.js';

export interface WaterfallOptions {
  /** Overall width in px (default 900). */
  width?: number;
  /** At most this many messages are drawn (default 300); the rest are counted. */
  maxMessages?: number;
  /** Colour order (default: the VIM's phase model order), to match a phase chart. */
  colourOrder?: readonly string[];
  /** Prefix of the SVG's element ids, unique per document when several are inlined. */
  idPrefix?: string;
}

const fontSize = 11;
const font = `font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="${fontSize}"`;
const rowH = 16;
const rowGap = 3;
const msgRowH = 10;
const lanePad = 6;

interface PhaseBar {
  name: string;
  from: number;
  to: number;
  host: string;
  approx: boolean;
  substitute?: string;
  source: string;
}

interface MessageMark {
  m: MessageLine;
  from: number;
  to: number;
  src: string;
  dst: string;
}

/**
 * Agents that share a host with another service get a lane of their own: the Neutron
 * agent runs beside nova-compute, and a boot's network wait is theirs to show apart.
 * A message is the agent's when it makes one of these calls, or consumes that service.
 */
const agentLanes: readonly { role: string; calls: ReadonlySet<string>; service: string }[] = [
  {
    role: 'neutron agent',
    calls: new Set([
      'get_devices_details_list',
      'get_devices_details_list_and_failed_devices',
      'update_device_up',
      'update_device_down',
      'update_device_list',
    ]),
    service: 'neutron agent',
  },
];

/** The host an agent lane is on (`10.98.0.2 neutron agent` → `10.98.0.2`); a host lane's own name. */
const laneHost = (lane: string): string => {
  const agent = agentLanes.find((a) => lane.endsWith(` ${a.role}`));
  return agent ? lane.slice(0, -agent.role.length - 1) : lane;
};

/** The lanes of a message's two ends: the host, or the host's agent lane. */
function laneEnds(m: MessageLine): { src: string; dst: string } {
  let src = endpointHost(m.src),
    dst = endpointHost(m.dst);
  for (const a of agentLanes) {
    if (a.calls.has(m.name)) src = `${src} ${a.role}`;
    if (m.service === a.service) dst = `${dst} ${a.role}`;
  }
  return { src, dst };
}

function dedupe(messages: MessageLine[]): MessageLine[] {
  const seen = new Set<string>();
  return messages.filter((m) => {
    const k = `${m.t}|${m.type}|${m.name}|${m.src}|${m.dst}|${m.ms}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function waterfallSvg(
  request: ResultRequest,
  messages: readonly MessageLine[],
  opts: WaterfallOptions = {},
): string {
  const width = opts.width ?? 900;
  const maxMessages = opts.maxMessages ?? 300;
  const colours = opts.colourOrder ?? colourOrder(request.vim);
  const idp = (opts.idPrefix ?? `wf-${request.id}`).replace(/[^A-Za-z0-9_-]/g, '_');
  const span = requestSpan(request);
  const title = `${request.vim} request ${request.id}${request.complete ? '' : ' (incomplete)'}`;

  const absent = Object.entries(request.absent ?? {});
  const notes = [
    ...absent.map(([p, why]) => `absent: ${p} — ${why}`),
    ...(request.missing.length ? [`missing: ${request.missing.join('; ')}`] : []),
  ];

  const origin = span?.start ?? 0n;
  const bars: PhaseBar[] = orderedPhases(request)
    .filter((name) => name !== 'total')
    .map((name) => {
      const p = request.phases[name];
      return {
        name,
        from: msBetween(origin, p.start),
        to: msBetween(origin, p.end),
        host: p.host,
        approx: p.approx === true,
        substitute: p.substitute,
        source: p.source,
      };
    })
    .filter((b) => Number.isFinite(b.from) && Number.isFinite(b.to));

  const own = span ? dedupe(messagesOfRequest(request, messages)) : [];
  const marks: MessageMark[] = own.slice(0, maxMessages).map((m) => {
    const from = Number((isoToUnixNs(m.t) ?? origin) - origin) / 1e6;
    return { m, from, to: from + (m.ms ?? 0), ...laneEnds(m) };
  });

  // Lanes in order of first appearance in time.
  const firstSeen = new Map<string, number>();
  const see = (host: string, t: number): void => {
    const prev = firstSeen.get(host);
    if (prev === undefined || t < prev) firstSeen.set(host, t);
  };
  for (const b of bars) see(b.host, b.from);
  for (const k of marks) {
    see(k.src, k.from);
    see(k.dst, k.from);
  }
  const hosts = [...firstSeen.keys()].sort((a, b) => firstSeen.get(a)! - firstSeen.get(b)! || a.localeCompare(b));

  // What each host is, from the services that answered there (the broker's fan-out excluded).
  const roles = new Map<string, string[]>();
  for (const k of marks) {
    if (k.m.type === 'notification') continue;
    const list = roles.get(k.dst) ?? [];
    if (!list.includes(k.m.service)) list.push(k.m.service);
    roles.set(k.dst, list);
  }
  const roleText = (host: string): string => {
    const agent = agentLanes.find((a) => host.endsWith(` ${a.role}`));
    if (agent) return agent.role;
    const list = roles.get(host) ?? [];
    return list.length > 2 ? `${list.slice(0, 2).join(', ')}, …` : list.join(', ');
  };

  const laneW = Math.max(70, ...hosts.map((h) => Math.max(textWidth(h, fontSize), textWidth(roleText(h), 9.5)))) + 16;
  const right = 20;
  const totalMs = span ? Number(span.end - span.start) / 1e6 : 0;
  const maxMs = Math.max(totalMs, ...marks.map((k) => k.to));
  const x = linearScale(maxMs, laneW, width - right, 8);

  // Rows inside each lane: phases that overlap go on separate rows.
  const rowOf = new Map<PhaseBar, number>();
  const rowsIn = new Map<string, number>();
  for (const host of hosts) {
    const mine = bars.filter((b) => b.host === host);
    const rows = packRows(
      mine.map((b) => ({ start: b.from, end: b.to })),
      false,
    );
    mine.forEach((b, i) => rowOf.set(b, rows[i]));
    rowsIn.set(host, mine.length ? Math.max(...rows) + 1 : 0);
  }

  const totalRowY = 30;
  let y = totalRowY + rowH + 10;
  const laneTop = new Map<string, number>();
  const laneMsgY = new Map<string, number>();
  const laneRects: string[] = [];
  hosts.forEach((host, i) => {
    const rows = rowsIn.get(host)!;
    const h = Math.max(32, lanePad * 2 + rows * (rowH + rowGap) + msgRowH);
    laneTop.set(host, y + lanePad);
    laneMsgY.set(host, y + lanePad + rows * (rowH + rowGap) + msgRowH / 2);
    laneRects.push(
      `<g data-lane="${esc(host)}"><rect x="0" y="${y}" width="${width}" height="${h}" ` +
        `fill="${i % 2 ? '#f4f5f7' : '#fff'}"/>` +
        `<text x="8" y="${px(y + h / 2)}" fill="#111" ${font}>${esc(laneHost(host))}</text>` +
        `<text x="8" y="${px(y + h / 2 + 12)}" fill="#555" ${font.replace(`${fontSize}"`, '9.5"')}>` +
        `${esc(roleText(host))}</text></g>`,
    );
    y += h;
  });
  const lanesBottom = y;

  const out: string[] = [];
  out.push(...laneRects);

  // Grid and axis.
  const axisY = lanesBottom + 4;
  out.push(`<g class="axis" data-axis="x" fill="#333" ${font}>`);
  for (const t of x.ticks) {
    out.push(`<line x1="${px(x(t))}" x2="${px(x(t))}" y1="${totalRowY - 4}" y2="${axisY}" stroke="#dcdcdc"/>`);
    out.push(`<text x="${px(x(t))}" y="${axisY + 16}" text-anchor="middle">${esc(fmtTick(t))}</text>`);
  }
  out.push(`<line x1="${px(laneW)}" x2="${px(x(x.domain[1]))}" y1="${axisY}" y2="${axisY}" stroke="#333"/>`);
  out.push(
    `<text x="${px((laneW + width - right) / 2)}" y="${axisY + 32}" text-anchor="middle">ms since the ` +
      `request's first byte</text></g>`,
  );

  // Total as a bracket over all lanes.
  const total = request.phases.total;
  if (span) {
    const tw = Math.max(1, x(totalMs) - x(0));
    const label = total ? `total ${fmtMs(total.ms)} ms` : `span ${fmtMs(totalMs)} ms (no total: incomplete)`;
    out.push(
      `<g data-phase="total"><rect x="${px(x(0))}" y="${totalRowY}" width="${px(tw)}" height="${rowH}" ` +
        `fill="#555" ${total ? '' : 'fill-opacity="0.4" stroke="#555" stroke-dasharray="4 3"'}><title>` +
        `${esc(label)}</title></rect>` +
        `<text x="${px(x(0) + 4)}" y="${totalRowY + 12}" fill="#fff" ${font}>${esc(label)}</text></g>`,
    );
  }

  // Messages: a thin bar on the sender's lane for its duration, a connector to the receiver.
  out.push(`<g class="messages" stroke-linecap="round">`);
  for (const k of marks) {
    const ys = laneMsgY.get(k.src)!;
    const yd = laneMsgY.get(k.dst)!;
    const xs = x(k.from);
    const tip =
      `${k.m.type} ${k.m.name} → ${k.m.service}: ${k.m.src} → ${k.m.dst} ` +
      `at +${fmtMs(k.from)} ms${k.m.ms === null ? '' : `, ${fmtMs(k.m.ms)} ms`}` +
      `${k.m.status === undefined ? '' : `, ${k.m.status}`}`;
    out.push(
      `<g data-message="${esc(k.m.name)}"><title>${esc(tip)}</title>` +
        (ys !== yd
          ? `<line x1="${px(xs)}" x2="${px(xs)}" y1="${px(ys)}" y2="${px(yd)}" stroke="#8a8f98" ` +
            `stroke-width="0.8" stroke-dasharray="2 2"/>`
          : '') +
        `<line x1="${px(xs)}" x2="${px(Math.max(xs + 1.5, x(k.to)))}" y1="${px(ys)}" y2="${px(ys)}" ` +
        `stroke="#2b2f36" stroke-opacity="0.55" stroke-width="4"/>` +
        `<circle cx="${px(xs)}" cy="${px(yd)}" r="2" fill="#2b2f36"/></g>`,
    );
  }
  out.push('</g>');

  // Phases last, over the connectors.
  for (const b of bars) {
    const fill = phaseColour(b.name, colours);
    const by = laneTop.get(b.host)! + rowOf.get(b)! * (rowH + rowGap);
    const bx = x(b.from);
    const bw = Math.max(1, x(b.to) - bx);
    const tip =
      `${b.name}: ${fmtMs(b.to - b.from)} ms on ${b.host} (+${fmtMs(b.from)} → +${fmtMs(b.to)} ms, ` +
      `source ${b.source})${b.approx ? `, approximate: ${b.substitute ?? 'substitute observation'}` : ''}`;
    const approx = b.approx
      ? `<rect x="${px(bx)}" y="${by}" width="${px(bw)}" height="${rowH}" fill="url(#${idp}-hatch)" ` +
        `stroke="#111" stroke-dasharray="4 2"/>`
      : '';
    const label =
      textWidth(b.name, fontSize) + 6 < bw
        ? `<text x="${px(bx + 3)}" y="${by + 12}" fill="#111" ${font} pointer-events="none">${esc(b.name)}</text>`
        : '';
    out.push(
      `<g data-phase="${esc(b.name)}"${b.approx ? ' data-approx="true"' : ''}><title>${esc(tip)}</title>` +
        `<rect x="${px(bx)}" y="${by}" width="${px(bw)}" height="${rowH}" fill="${fill}" ` +
        `fill-opacity="${b.approx ? 0.45 : 0.85}"/>${approx}${label}</g>`,
    );
  }

  // Notes under the axis: absent phases, missing messages, messages not drawn.
  const extra = own.length > marks.length ? [`${own.length - marks.length} more messages not drawn`] : [];
  const noteLines = [...notes, ...extra, ...(span ? [] : ['no phase measured: nothing to draw'])];
  let ny = axisY + 54;
  const noteOut = noteLines.map((line) => {
    const t = `<text x="8" y="${ny}" fill="#444" ${font} data-note="true">${esc(line)}</text>`;
    ny += 15;
    return t;
  });
  const height = ny + 4;

  const barTexts = bars.map(
    (b) => `${b.name} ${fmtMs(b.to - b.from)} ms on ${b.host}${b.approx ? ' (approximate)' : ''}`,
  );
  const name =
    `${title}: ` +
    `${barTexts.join(', ')}` +
    `; ${marks.length} messages across ${hosts.length} ` +
    `hosts${absent.length ? `; absent: ${absent.map(([p]) => p).join(', ')}` : ''}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="waterfall" width="${width}" height="${height}" ` +
      `viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(name)}">`,
    `<title>${esc(name)}</title>`,
    `<defs><pattern id="${idp}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" ` +
      `patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#111" stroke-opacity="0.45" ` +
      `stroke-width="2"/></pattern></defs>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="8" y="18" fill="#111" font-weight="600" ${font.replace(`${fontSize}"`, '13"')}>${esc(title)}</text>`,
    ...out,
    ...noteOut,
    '</svg>',
    '',
  ].join('\n');
}
