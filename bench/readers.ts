/**
 * `node dist/bench/readers.js FILE.pcap`: packets/s of our pcap reader against the
 * pcap-parser package on the same classic pcap file (pcap-parser reads no pcapng).
 */
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { readCapture } from '../src/capture/readCapture.js';

const require = createRequire(import.meta.url);
const file = process.argv[2];

async function ours(): Promise<number> {
  let n = 0;
  await readCapture(file, () => {
    n++;
  });
  return n;
}

function theirs(): Promise<number> {
  const pcapParser = require('pcap-parser') as { parse(s: NodeJS.ReadableStream): NodeJS.EventEmitter };
  return new Promise((resolve, reject) => {
    let n = 0;
    const p = pcapParser.parse(createReadStream(file, { highWaterMark: 4 * 1024 * 1024 }));
    p.on('packet', () => {
      n++;
    });
    p.on('end', () => resolve(n));
    p.on('error', reject);
  });
}

for (const [name, fn] of [
  ['vim-analyse reader', ours],
  ['pcap-parser', theirs],
] as const) {
  const t0 = process.hrtime.bigint();
  const n = await fn();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  console.log(`${name.padEnd(20)} ${n} packets in ${s.toFixed(2)} s: ${(n / s / 1000).toFixed(0)} kpkt/s`);
}
