/** A capture can be a path, its bytes (Buffer or plain Uint8Array) or a stream, each optionally named. */
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { analyse } from '../../src/pipeline/analyse.js';
import { capturePath } from '../helpers/groundTruth.js';

describe('capture sources', () => {
  const file = capturePath('nomad-modern');
  const bytes = readFileSync(file);

  it('bytes in memory (Buffer and plain Uint8Array, gzip inside) give the same result as the path', async () => {
    const byPath = await analyse(file);
    const byBuffer = await analyse(bytes);
    const byArray = await analyse(new Uint8Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)));
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
    const streamed = await analyse([{ name: 'a.pcapng.gz', data: Readable.from([bytes]) }, { name: 'b.pcapng.gz', data: bytes }]);
    expect(streamed.captures.map((c) => c.file)).toEqual(['a.pcapng.gz', 'b.pcapng.gz']);
  });

  it('an aborted signal rejects with the abort reason', async () => {
    const ac = new AbortController();
    ac.abort(new Error('stopped by the caller'));
    await expect(analyse(bytes, { signal: ac.signal })).rejects.toThrow('stopped by the caller');
  });
});
