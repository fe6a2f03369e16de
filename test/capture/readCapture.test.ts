import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readCapture } from '../../src/capture/readCapture.js';
import { UnusableInputError } from '../../src/capture/types.js';
import { pcap, pcapng, type Frame, type PcapngBlock } from '../helpers/pcapWriter.js';
import { readAll, tempFile } from '../helpers/captureRecords.js';

const t0 = 1_700_000_000;
// Frames of assorted sizes so that records straddle any chunk boundary.
const frames: Frame[] = Array.from({ length: 40 }, (_, i) => ({
  sec: t0 + Math.floor(i / 7),
  nsec: (i * 137_000_001) % 1e9,
  data: Uint8Array.from({ length: 1 + ((i * 53) % 300) }, (_, k) => (k * 7 + i) & 0xff),
}));
const expectedBytes = frames.map((f) => [...f.data]);

const pcapFile = pcap(frames, { nano: true });
const pcapngFile = pcapng([
  { kind: 'section', littleEndian: false },
  { kind: 'interface', linkType: 1, tsresol: 9 },
  ...frames.map((f): PcapngBlock => ({
    kind: 'enhanced',
    iface: 0,
    ts: BigInt(f.sec) * 1_000_000_000n + BigInt(f.nsec),
    data: f.data,
  })),
]);
const expectedTs = frames.map((f) => (f.sec - t0) * 1e9 + f.nsec - frames[0].nsec);

/** A stream that yields `bytes` in pieces of `size` bytes. */
const streamOf = (bytes: Uint8Array, size: number) =>
  Readable.from(
    Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) =>
      Buffer.from(bytes.subarray(i * size, (i + 1) * size)),
    ),
  );

describe('readCapture', () => {
  for (const [format, file] of [
    ['pcap', pcapFile],
    ['pcapng', pcapngFile],
  ] as const) {
    it(`gunzips a ${format} by its content, whatever the file is called`, async () => {
      for (const name of [`capture.${format}`, 'capture.bin', `capture.${format}.gz`]) {
        const { records, summary } = await readAll(tempFile(name, gzipSync(file)));
        expect(summary).toMatchObject({ format, gzip: true, packets: frames.length, fileBytes: file.length });
        expect(records.map((r) => r.bytes)).toEqual(expectedBytes);
        expect(records.map((r) => r.ts)).toEqual(expectedTs);
      }
      // And a plain file named .gz is read as plain.
      const plain = await readAll(tempFile(`plain.${format}.gz`, file));
      expect(plain.summary).toMatchObject({ format, gzip: false, packets: frames.length });
    });

    it(`reads a ${format} with a 1-byte chunk size (every record straddles chunks)`, async () => {
      for (const chunkBytes of [1, 3, 17, 4096]) {
        const { records, summary } = await readAll(file, { chunkBytes });
        expect(records.map((r) => r.bytes)).toEqual(expectedBytes);
        expect(records.map((r) => r.ts)).toEqual(expectedTs);
        expect(records.map((r) => r.frame)).toEqual(frames.map((_, i) => i + 1));
        expect(summary.fileBytes).toBe(file.length);
      }
    });

    it(`reads a ${format} from a stream source, plain or gzip, in any piece size`, async () => {
      for (const size of [1, 5, 1000, file.length]) {
        for (const [bytes, gzip] of [
          [file, false],
          [gzipSync(file), true],
        ] as const) {
          const { records, summary } = await readAll(streamOf(bytes, size));
          expect(summary).toMatchObject({ format, gzip });
          expect(records.map((r) => r.bytes)).toEqual(expectedBytes);
          expect(records.map((r) => r.ts)).toEqual(expectedTs);
        }
      }
    });

    it(`keeps the records of a cut-short gzip ${format} and warns`, async () => {
      const gz = gzipSync(file);
      const { records, summary, warnings } = await readAll(
        tempFile(`cut.${format}.gz`, gz.subarray(0, gz.length - 200)),
      );
      expect(records.length).toBeGreaterThan(0);
      expect(records.length).toBeLessThan(frames.length);
      expect(records.map((r) => r.bytes)).toEqual(expectedBytes.slice(0, records.length));
      expect(summary.counters.truncated).toBeGreaterThan(0);
      expect(warnings.some((w) => /gzip stream damaged or cut short/.test(w.message))).toBe(true);
    });
  }

  it('rejects a file that is not a capture with UnusableInputError naming the file', async () => {
    const path = tempFile('notes.pcap', new TextEncoder().encode('hello, this is text\n'));
    const err = await readCapture(path, () => {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnusableInputError);
    expect((err as Error).message).toContain(path);
    expect((err as Error).message).toMatch(/not a pcap or pcapng capture/);
  });

  it('rejects gzip of something that is not a capture, and an empty file, naming the file', async () => {
    const gz = tempFile('notes.gz', gzipSync(new TextEncoder().encode('{"json": true}')));
    await expect(readCapture(gz, () => {})).rejects.toThrow(new RegExp(`${gz}.*not a pcap or pcapng capture`));
    await expect(readCapture(gz, () => {})).rejects.toBeInstanceOf(UnusableInputError);
    const empty = tempFile('empty.pcap', new Uint8Array(0));
    await expect(readCapture(empty, () => {})).rejects.toBeInstanceOf(UnusableInputError);
    await expect(readCapture(empty, () => {})).rejects.toThrow(empty);
    const tiny = tempFile('tiny.pcap', Uint8Array.of(0xd4, 0xc3));
    await expect(readCapture(tiny, () => {}, { chunkBytes: 1 })).rejects.toThrow(/too short to be a capture/);
  });

  it('rejects a stream that is not a capture', async () => {
    await expect(readCapture(streamOf(new TextEncoder().encode('GET / HTTP/1.1\r\n'), 3), () => {})).rejects.toThrow(
      /not a pcap or pcapng capture/,
    );
  });

  it('rejects a path that does not exist with the system error', async () => {
    await expect(readCapture('/nonexistent/capture.pcap', () => {})).rejects.toThrow(/ENOENT/);
  });

  it('rejects a directory with UnusableInputError naming it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vim-analyse-dir-'));
    await expect(readCapture(dir, () => {})).rejects.toThrow(
      new UnusableInputError(`${dir}: is a directory, not a capture`),
    );
  });

  it('calls a gzip cut before any capture byte cut, not empty', async () => {
    const cut = tempFile('cut30.pcap.gz', gzipSync(pcapFile).subarray(0, 30));
    await expect(readCapture(cut, () => {})).rejects.toThrow(
      new UnusableInputError(`${cut}: gzip stream cut short or damaged before any capture bytes`),
    );
  });
});
