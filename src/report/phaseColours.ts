/**
 * One colour per phase, by its place in the VIM's phase list, so a phase keeps its
 * colour from chart to waterfall. Okabe–Ito first (safe for colour-blind readers), then
 * Tableau 10 for longer lists.
 */
const palette = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#CC79A7',
  '#56B4E9',
  '#D55E00',
  '#F0E442',
  '#999999',
  '#4E79A7',
  '#F28E2B',
  '#59A14F',
  '#B07AA1',
  '#76B7B2',
  '#EDC948',
  '#FF9DA7',
  '#9C755F',
];

export function phaseColour(phase: string, phases: readonly string[]): string {
  const i = phases.indexOf(phase);
  if (i >= 0) return palette[i % palette.length];
  let h = 0;
  for (const c of phase) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return palette[h % palette.length];
}
