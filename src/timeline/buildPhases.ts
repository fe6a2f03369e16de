/**
 * Applies a phase model to one request's milestones: each phase is measured from the
 * best available observation of its two milestones; a substitute observation makes the
 * phase `approx` (naming it); a phase with a milestone unobserved is absent with a reason.
 */
import type { MilestoneObservation, MilestoneSet, PhaseModel, PhaseValue } from './types.js';

export interface PhaseBuild {
  phases: Record<string, PhaseValue>;
  absent: Record<string, string>;
  missing: string[];
  complete: boolean;
}

interface Resolved {
  obs: MilestoneObservation;
  name: string;
  substitute: boolean;
}

export function buildPhases(model: PhaseModel, milestones: MilestoneSet): PhaseBuild {
  const resolved = new Map<string, Resolved | null>();
  const missingText = new Map<string, string>();
  for (const m of model.milestones) {
    missingText.set(m.name, m.missing);
    let r: Resolved | null = null;
    for (let i = 0; i < m.observations.length && !r; i++) {
      const obs = milestones.get(m.observations[i]);
      if (obs) r = { obs, name: m.observations[i], substitute: i > 0 };
    }
    resolved.set(m.name, r);
  }
  const phases: Record<string, PhaseValue> = {};
  const absent: Record<string, string> = {};
  const missing = new Set<string>();
  for (const p of model.phases) {
    const a = resolved.get(p.from);
    const b = resolved.get(p.to);
    if (!a || !b) {
      const lacking = [!a ? p.from : null, !b ? p.to : null].filter((x): x is string => x !== null);
      const unless =
        p.absentUnless !== undefined && !milestones.has(p.absentUnless.observation) ? p.absentUnless.reason : undefined;
      absent[p.name] = unless ?? p.absentReason ?? `no ${lacking.map((l) => missingText.get(l) ?? l).join(', no ')}`;
      if (!p.optional) for (const l of lacking) missing.add(missingText.get(l) ?? l);
      continue;
    }
    const subs = [a, b].filter((r) => r.substitute).map((r) => r.name);
    const sources = [a.obs.source, b.obs.source];
    const v: PhaseValue = {
      ms: (b.obs.t - a.obs.t) / 1e6,
      startNs: a.obs.t,
      endNs: b.obs.t,
      // A phase measured across clocks says so: the least direct source wins.
      source: sources.includes('log') ? 'log' : sources.includes('client-clock') ? 'client-clock' : 'capture',
      host: b.obs.host,
    };
    if (subs.length) v.approx = subs.join(', ');
    phases[p.name] = v;
  }
  return { phases, absent, missing: [...missing], complete: missing.size === 0 };
}
