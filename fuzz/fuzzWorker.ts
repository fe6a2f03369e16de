/**
 * Child process of the fuzzer: analyses one variant per message and answers with the
 * outcome. A fresh heap state per variant (gc) so the RSS it reports is that variant's.
 */
import { analyseVariantFile, type AnalyseJob } from './analyseVariant.js';

process.on('message', (job: AnalyseJob) => {
  (globalThis as { gc?: () => void }).gc?.();
  void analyseVariantFile(job).then((o) => process.send!(o));
});
// The parent went away (killed, or done): nothing more will come.
process.on('disconnect', () => process.exit(0));
