/** A capture can be a path, its bytes (Buffer or plain Uint8Array) or a stream, each optionally named. */
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { analyse, analyseWithMessages, listMessages } from '../../src/pipeline/analyse.js';
import { captureInfo } from '../../src/pipeline/captureInfo.js';
import { compareCaptures } from '../../src/pipeline/compare.js';
import { makeFigures } from '../../src/pipeline/figures.js';
import { readLog } from '../../src/logs/readLog.js';
import { capturePath, sharedFile } from '../helpers/groundTruth.js';

describe('capture sources', () => {
  const file = capturePath('nomad-modern');
  const bytes = readFileSync(file);

  it('bytes in memory (Buffer and plain Uint8Array, gzip inside) give the same result as the path', async () => {
    const byPath = await analyse(file);
    const byBuffer = await analyse(bytes);
    const byArray = await analyse(
      new Uint8Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)),
    );
    expect(byBuffer.captures[0].file).toBe('-');
    for (const r of [byBuffer, byArray]) {
      expect(r.requests).toEqual(byPath.requests);
      expect(r.captures[0].packets).toBe(byPath.captures[0].packets);
      expect(r.captures[0].gzip).toBe(true);
    }
  });

  it('a named source gives its name to captures[].file (bytes and streams)', async () => {
    const named = await analyse({ name: 'modern.pcapng.gz', data: bytes });
    expect(named.captures[0].file).toBe('modern.pcapng.gz');
    const streamed = await analyse([
      { name: 'a.pcapng.gz', data: Readable.from([bytes]) },
      { name: 'b.pcapng.gz', data: bytes },
    ]);
    expect(streamed.captures.map((c) => c.file)).toEqual(['a.pcapng.gz', 'b.pcapng.gz']);
  });

  it('every long-running function takes a signal and rejects with its reason once aborted', async () => {
    const ac = new AbortController();
    ac.abort(new Error('stopped by the caller'));
    const signal = ac.signal;
    const log = sharedFile('nomad-modern', 'logs', 'nomad-client.log');
    const calls: [string, () => Promise<unknown>][] = [
      ['analyse', () => analyse(bytes, { signal })],
      ['analyseWithMessages', () => analyseWithMessages(file, { signal })],
      ['listMessages', () => listMessages(file, { signal })],
      ['captureInfo', () => captureInfo(file, { signal })],
      ['compareCaptures', () => compareCaptures(file, file, { signal })],
      ['makeFigures', () => makeFigures([{ label: 'a', captures: [file] }], { signal })],
      ['readLog', () => readLog(log, { signal })],
      ['analyse with logs', () => analyse(file, { signal, logFiles: [log] })],
    ];
    for (const [name, call] of calls) await expect(call(), name).rejects.toThrow('stopped by the caller');
  });

  it('aborting part way stops reading a large capture', async () => {
    const ac = new AbortController();
    let calls = 0;
    // nova-net is 15 MB gzip, read in many pieces: abort at the first progress report.
    const run = analyse(capturePath('nova-net'), {
      signal: ac.signal,
      onProgress: () => (calls++ === 0 ? ac.abort() : undefined),
    });
    await expect(run).rejects.toThrow(/abort/i);
    expect(calls).toBe(1);
  });
});
