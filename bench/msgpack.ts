/**
 * Which msgpack decoder should the msgpack RPC parser use? Decodes realistic Nomad RPC
 * bodies (shapes of nomad/structs: an Alloc.GetAllocs reply with its Job embedded, a
 * Node.UpdateAlloc request with task events, a Node.GetClientAllocs reply, RPC headers)
 * with each candidate and prints ops/s and MB/s. Result and decision: docs/msgpack-choice.md.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/msgpack.js [capture]
 *
 * With a capture (e.g. ../shared/captures/nomad-2016-stock/capture.pcap) the real RPC
 * bodies on its port-4647 connections are measured too (re-encoded with @msgpack/msgpack
 * after decoding; go-msgpack's bytes differ only in str8 use).
 */
import { createRequire } from 'node:module';
import { Decoder, encode } from '@msgpack/msgpack';
import { decodeMsgpack } from './minimalMsgpackDecoder.js';
import { MsgpackObjectScanner } from '../src/protocols/msgpackRpc/msgpackScanner.js';
import { reassembleTcp } from '../src/net/reassembleTcp.js';
import { defaultProtocolLimits, type MsgpackRpcMessage } from '../src/protocols/types.js';
import { NomadRpcConnectionParser } from '../src/dissectors/nomad/nomadRpcConnectionParser.js';

const require = createRequire(import.meta.url);
// msgpack-lite ships no types; only its decode() is used here.
const lite = require('msgpack-lite') as { decode(b: Uint8Array): unknown };

const uuid = (i: number) => `${(0x7bb9ef47 + i).toString(16)}-ea8d-e10c-42dc-f66939209a80`;
const nowNs = 1795560355437677958n;

function job(i: number) {
  return {
    AllAtOnce: false,
    Constraints: [{ LTarget: '${attr.kernel.name}', Operand: '=', RTarget: 'linux' }],
    CreateIndex: 100 + i,
    Datacenters: ['dc1'],
    ID: `example${i}`,
    JobModifyIndex: 100 + i,
    Meta: null,
    ModifyIndex: 100 + i,
    Name: `example${i}`,
    Namespace: 'default',
    ParentID: '',
    Periodic: null,
    Priority: 50,
    Region: 'global',
    Stable: false,
    Status: 'pending',
    StatusDescription: '',
    Stop: false,
    SubmitTime: nowNs,
    Type: 'batch',
    Update: { MaxParallel: 0, Stagger: 0 },
    Version: 0,
    TaskGroups: [
      {
        Count: 1,
        Name: 'xen',
        Meta: null,
        Constraints: null,
        RestartPolicy: { Attempts: 2, Delay: 15_000_000_000, Interval: 60_000_000_000, Mode: 'delay' },
        EphemeralDisk: { Migrate: false, SizeMB: 300, Sticky: false },
        Tasks: [
          {
            Name: 'clickos',
            Driver: 'xen',
            User: '',
            Leader: false,
            Config: { cfg: 'local/clickos.cfg', img: 'local/clickos_x86_64' },
            Env: { NOMAD_RUN: String(i) },
            Services: null,
            Constraints: null,
            Resources: {
              CPU: 100,
              MemoryMB: 32,
              DiskMB: 0,
              IOPS: 0,
              Networks: [{ Device: '', CIDR: '', IP: '', MBits: 1, ReservedPorts: null, DynamicPorts: null }],
            },
            Meta: null,
            KillTimeout: 5_000_000_000,
            LogConfig: { MaxFiles: 10, MaxFileSizeMB: 10 },
            Artifacts: [
              { GetterSource: 'http://10.99.0.4:8080/clickos.cfg', GetterOptions: null, RelativeDest: 'local/' },
              { GetterSource: 'http://10.99.0.4:8080/clickos_x86_64', GetterOptions: null, RelativeDest: 'local/' },
            ],
            Templates: null,
            Vault: null,
          },
        ],
      },
    ],
  };
}

function taskEvents(): object[] {
  const types = ['Received', 'Task Setup', 'Downloading Artifacts', 'Driver', 'Started'];
  return types.map((Type, k) => ({
    Type,
    Time: nowNs + BigInt(k) * 20_000_000n,
    DriverError: '',
    DriverMessage: '',
    ExitCode: 0,
    FailsTask: false,
    KillError: '',
    KillReason: '',
    KillTimeout: 0,
    Message: '',
    RestartReason: '',
    SetupError: '',
    Signal: 0,
    StartDelay: 0,
    TaskSignal: '',
    TaskSignalReason: '',
    ValidationError: '',
    DownloadError: '',
    DiskLimit: 0,
    GenericSource: '',
  }));
}

const bodies: { name: string; value: unknown }[] = [
  { name: 'rpc header', value: { Seq: 4242, ServiceMethod: 'Node.GetClientAllocs' } },
  {
    name: 'GetClientAllocs reply',
    value: {
      Allocs: Object.fromEntries(Array.from({ length: 8 }, (_, i) => [uuid(i), 1000 + i])),
      Index: 1234,
      KnownLeader: true,
      LastContact: 0,
    },
  },
  {
    name: 'GetAllocs reply (Job embedded)',
    value: {
      Allocs: [
        {
          ID: uuid(1),
          EvalID: uuid(2),
          Name: 'example1.xen[0]',
          NodeID: uuid(3),
          JobID: 'example1',
          Job: job(1),
          TaskGroup: 'xen',
          Resources: { CPU: 100, MemoryMB: 32 },
          DesiredStatus: 'run',
          DesiredDescription: '',
          ClientStatus: 'pending',
          ClientDescription: '',
          TaskStates: null,
          CreateIndex: 120,
          ModifyIndex: 120,
          AllocModifyIndex: 120,
          CreateTime: nowNs,
        },
      ],
      Index: 120,
      KnownLeader: true,
      LastContact: 0,
    },
  },
  {
    name: 'UpdateAlloc request',
    value: {
      Alloc: [
        {
          ID: uuid(1),
          NodeID: uuid(3),
          ClientStatus: 'running',
          ClientDescription: '',
          TaskStates: { clickos: { State: 'running', Failed: false, Restarts: 0, Events: taskEvents() } },
        },
      ],
      Region: 'global',
      Namespace: 'default',
      AuthToken: 'redacted-in-bench',
    },
  },
];

const encoded: { name: string; bytes: Uint8Array }[] = bodies.map((b) => ({
  name: b.name,
  bytes: encode(b.value, { useBigInt64: true }),
}));

/** Every RPC body of a capture's port-4647 connections, concatenated per method and kind. */
async function captureBodies(path: string): Promise<{ name: string; bytes: Uint8Array }[]> {
  const ctx = { counters: {}, warn: () => {}, limits: defaultProtocolLimits };
  const byKind = new Map<string, Uint8Array[]>();
  const keep = (m: MsgpackRpcMessage | null) => {
    if (!m || m.body === undefined) return;
    const k = `${m.serviceMethod} ${m.kind}`;
    byKind.set(k, [...(byKind.get(k) ?? []), encode(m.body, { useBigInt64: true })]);
  };
  await reassembleTcp(path, (conn) =>
    conn.server.port === 4647
      ? new NomadRpcConnectionParser(
          conn,
          (ex) => {
            keep(ex.request);
            keep(ex.response);
          },
          ctx,
        )
      : null,
  );
  // The largest body of each kind stands for it (the bodies that cost the most to decode).
  return [...byKind.entries()]
    .map(([name, list]) => ({
      name: `capture: ${name} (of ${list.length})`,
      bytes: list.reduce((a, b) => (b.length > a.length ? b : a)),
    }))
    .sort((a, b) => b.bytes.length - a.bytes.length)
    .slice(0, 4);
}

if (process.argv[2]) encoded.push(...(await captureBodies(process.argv[2])));

const limits = {
  maxStrLength: 1 << 24,
  maxBinLength: 1 << 24,
  maxArrayLength: 1 << 24,
  maxMapLength: 1 << 24,
  maxExtLength: 1 << 24,
};
const official = new Decoder({ useBigInt64: true, ...limits });
const scanner = new MsgpackObjectScanner();

const candidates: { name: string; decode: (b: Uint8Array) => unknown }[] = [
  { name: '@msgpack/msgpack Decoder (useBigInt64, limits)', decode: (b) => official.decode(b) },
  { name: 'msgpack-lite decode', decode: (b) => lite.decode(b) },
  { name: 'minimal decoder (ours)', decode: (b) => decodeMsgpack(b) },
  {
    name: 'boundary scan only (ours)',
    decode: (b) => {
      scanner.reset(0, 1, b.length);
      return scanner.scan(b, b.length);
    },
  },
  {
    name: 'scan + @msgpack/msgpack',
    decode: (b) => {
      scanner.reset(0, 1, b.length);
      scanner.scan(b, b.length);
      return official.decode(b);
    },
  },
  {
    name: 'scan + minimal decoder',
    decode: (b) => {
      scanner.reset(0, 1, b.length);
      scanner.scan(b, b.length);
      return decodeMsgpack(b);
    },
  },
];

function measure(decode: (b: Uint8Array) => unknown, bytes: Uint8Array): { opsPerSec: number; mbPerSec: number } {
  const budgetNs = 1_000_000_000n;
  for (let i = 0; i < 2000; i++) decode(bytes); // warm-up
  let ops = 0;
  const t0 = process.hrtime.bigint();
  let t = t0;
  while (t - t0 < budgetNs) {
    for (let i = 0; i < 500; i++) decode(bytes);
    ops += 500;
    t = process.hrtime.bigint();
  }
  const secs = Number(t - t0) / 1e9;
  return { opsPerSec: ops / secs, mbPerSec: (ops * bytes.length) / secs / 1e6 };
}

console.log(`node ${process.version}`);
for (const body of encoded) {
  console.log(`\n${body.name} (${body.bytes.length} bytes)`);
  for (const c of candidates) {
    const r = measure(c.decode, body.bytes);
    console.log(
      `  ${c.name.padEnd(48)} ${Math.round(r.opsPerSec).toString().padStart(10)} ops/s ${r.mbPerSec.toFixed(1).padStart(8)} MB/s`,
    );
  }
}
