// What timing every command costs: pipelined SET/GET batches (16 commands a read, as redis-benchmark
// -P 16) through the real connection, dispatcher and handlers of one in-process worker (test/inproc.ts),
// with the slow log, latency tracking and the latency monitor on (the defaults, plus a monitor
// threshold) and off, alternating; thread CPU time per command. Independent of other processes' load,
// unlike a socket benchmark on a shared machine.
// With 2 threads both workers run in this thread, the mesh pumped after each batch (half the keys
// are on the other shard: the hop, its timing and the slow log's dispatch-to-reply watch count too).
// Usage: node bench/timing-cost.ts [rounds] [batches per round] [threads]

import { makeRig } from '../test/inproc.ts';
import { encodeCommand } from '../test/resp.ts';

const rounds = Number(process.argv[2] ?? 7);
const batches = Number(process.argv[3] ?? 20000);
const threads = Number(process.argv[4] ?? 1);

const ON = { slowlog_log_slower_than: 10000, latency_tracking: true, latency_monitor_threshold: 100 };
const OFF = { slowlog_log_slower_than: -1, latency_tracking: false, latency_monitor_threshold: 0 };

function setup(config: Record<string, string | number | boolean>) {
  const rig = makeRig(threads, { config });
  const c = rig.client(0);
  const cmds: Buffer[] = [];
  for (let i = 0; i < 8; i++) cmds.push(encodeCommand(['SET', `key:${i}`, 'xxx']));
  for (let i = 0; i < 8; i++) cmds.push(encodeCommand(['GET', `key:${i}`]));
  const chunk = Buffer.concat(cmds);
  return {
    run(n: number): number {
      const t0 = process.threadCpuUsage();
      for (let b = 0; b < n; b++) {
        c.sock.emit('data', chunk);
        if (threads > 1) rig.pump(1);
        if ((b & 255) === 0) c.sock.written.length = 0;
      }
      const t = process.threadCpuUsage(t0);
      c.sock.written.length = 0;
      return (t.user + t.system) / (n * 16);
    },
  };
}

const on = setup(ON);
const off = setup(OFF);
on.run(batches);
off.run(batches);
const a: number[] = [];
const b: number[] = [];
for (let r = 0; r < rounds; r++) {
  a.push(on.run(batches));
  b.push(off.run(batches));
}
const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[xs.length >> 1];
console.log(`on  µs/command: ${a.map((x) => x.toFixed(3)).join(' ')}  median ${median(a).toFixed(3)}`);
console.log(`off µs/command: ${b.map((x) => x.toFixed(3)).join(' ')}  median ${median(b).toFixed(3)}`);
console.log(`throughput ratio on/off (CPU per command): ${(median(b) / median(a)).toFixed(3)}`);
