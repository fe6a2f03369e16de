/**
 * Prints how often the project agrees with tshark on the corpus (per suite: files, same
 * frame count, same TCP conversation count) and lists every file where it does not.
 *   npm run build && node dist/scripts/corpus/agreement.js
 * CORPUS_REFERENCE names another reference.tsv (scripts/corpus/reference.sh's REFERENCE_OUT), read
 * with the captures under VIM_ANALYSE_CORPUS.
 */
import { readCorpusCapture, readReference, type CorpusResult } from '../../testkit/corpus.js';

const results: CorpusResult[] = [];
for (const row of readReference(process.env.CORPUS_REFERENCE)) results.push(await readCorpusCapture(row));
const bySuite = new Map<string, CorpusResult[]>();
for (const r of results) bySuite.set(r.suite, [...(bySuite.get(r.suite) ?? []), r]);
for (const [suite, rs] of bySuite) {
  const frames = rs.filter((r) => (r.packets ?? 0) === r.tsharkFrames).length;
  const convs = rs.filter((r) => (r.connections ?? 0) === r.tsharkTcpConversations).length;
  const withTcp = rs.filter((r) => r.tsharkTcpConversations > 0);
  const convsTcp = withTcp.filter((r) => (r.connections ?? 0) === r.tsharkTcpConversations).length;
  console.log(
    `${suite}: ${rs.length} captures; same frames ${frames}/${rs.length}; same TCP conversations ${convs}/${rs.length} (${convsTcp}/${withTcp.length} of those where tshark finds TCP)`,
  );
}
for (const r of results) {
  if ((r.packets ?? 0) === r.tsharkFrames && (r.connections ?? 0) === r.tsharkTcpConversations) continue;
  console.log(
    `${r.suite}/${r.file}\tframes ${r.packets ?? 'refused'} vs ${r.tsharkFrames}\tconversations ${r.connections ?? '-'} vs ${r.tsharkTcpConversations}\ttshark ${r.tsharkStatus}${r.refusal ? `\tours: ${r.refusal}` : ''}`,
  );
}
