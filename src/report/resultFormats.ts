/** The result's output formats: a light module, so the CLI can list them without loading the writers. */
export type ResultFormat = 'table' | 'json' | 'csv' | 'svg' | 'html' | 'chrome' | 'otlp' | 'otlp-proto';
export const resultFormats: readonly ResultFormat[] = [
  'table',
  'json',
  'csv',
  'svg',
  'html',
  'chrome',
  'otlp',
  'otlp-proto',
];

/** Formats that need the messages as well as the result. */
export const formatsWithMessages: ReadonlySet<ResultFormat> = new Set(['html', 'chrome']);
