/** Stats stage: requests → per-phase statistics. Durations in ms. */

export interface PhaseStats {
  n: number;
  mean: number;
  median: number;
  p90: number;
  p95: number;
  /** Sample standard deviation (n − 1). */
  sd: number;
  min: number;
  max: number;
  /** 95% confidence interval of the mean (Student t); [mean, mean] when n < 2. */
  ci95: [number, number];
}

/** `stats[vim][phase]`. */
export type StatsByVim = Record<string, Record<string, PhaseStats>>;

export interface PhaseComparison {
  phase: string;
  a: PhaseStats | null;
  b: PhaseStats | null;
  /** mean(b) − mean(a), ms. */
  diff: number | null;
  /** Welch 95% interval of the difference. */
  ci95: [number, number] | null;
  /** Welch–Satterthwaite degrees of freedom. */
  df: number | null;
  /** Two-sided p value of Welch's t test. */
  p: number | null;
  significant: boolean;
}
