/** Stats stage: requests → per-phase statistics. Durations in ms, named `…Ms` (schema vim-analyse/2). */

export interface PhaseStats {
  n: number;
  meanMs: number;
  medianMs: number;
  p90Ms: number;
  p95Ms: number;
  /** Sample standard deviation (n − 1). */
  sdMs: number;
  minMs: number;
  maxMs: number;
  /** 95% confidence interval of the mean (Student t); [mean, mean] when n < 2. */
  ci95Ms: [number, number];
}

/** `stats[vim][phase]`. */
export type StatsByVim = Record<string, Record<string, PhaseStats>>;

export interface PhaseComparison {
  phase: string;
  a: PhaseStats | null;
  b: PhaseStats | null;
  /** mean(b) − mean(a), ms. */
  diffMs: number | null;
  /** Welch 95% interval of the difference, ms. */
  ci95Ms: [number, number] | null;
  /** Welch–Satterthwaite degrees of freedom. */
  df: number | null;
  /** Two-sided p value of Welch's t test. */
  p: number | null;
  significant: boolean;
}
