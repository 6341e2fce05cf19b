// A standalone memtier-style loader (the bench:memory key and value shapes) for measuring by hand:
// node bench/load-keys.ts PORT N [conns=46] [window=256] [value-size=64]
// Invariants: keys memtier-0 .. memtier-(N-1), each SET once; prints the time taken and error count.

import { RespConn } from './resp-client.ts';
import { setRange } from './memory-workload.ts';

const [port, n, conns = 46, window = 256, size = 64] = process.argv.slice(2).map(Number);
if (!port || !n) {
  process.stderr.write('usage: node bench/load-keys.ts PORT N [conns] [window] [value-size]\n');
  process.exit(2);
}
const cs = await Promise.all(Array.from({ length: conns }, () => RespConn.connect(port)));
const batch = Math.max(1, Math.min(64, Math.floor(window / 4)));
const t0 = performance.now();
const rs = await Promise.all(cs.map((c, i) => c.load(setRange(Math.floor((i * n) / conns), Math.floor(((i + 1) * n) / conns), size, batch), window, batch)));
for (const c of cs) c.close();
process.stdout.write(`loaded ${n} keys in ${((performance.now() - t0) / 1000).toFixed(2)} s, errors ${rs.reduce((a, r) => a + r.errors, 0)}\n`);
