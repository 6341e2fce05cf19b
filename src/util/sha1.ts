// SHA-1 (FIPS 180-4) in plain JavaScript, for many small inputs: DEBUG DIGEST hashes about seven per
// key, and crypto.hash's per-call cost (a native context, a result Buffer) is several times the
// hashing itself at those sizes.
// Invariants: no allocation per call; sha1Into writes exactly 20 bytes, big-endian, equal to
// crypto.createHash('sha1') of the same bytes (checked in sha1.test.ts); not for secrets.

const W = new Int32Array(80);
const H = new Int32Array(5);
/** The last one or two blocks: the input's tail, the 0x80 byte, zeros and the bit length. */
const TAIL = new Uint8Array(128);

function block(b: Uint8Array, off: number): void {
  for (let i = 0; i < 16; i++) {
    const j = off + i * 4;
    W[i] = (b[j] << 24) | (b[j + 1] << 16) | (b[j + 2] << 8) | b[j + 3];
  }
  for (let i = 16; i < 80; i++) {
    const x = W[i - 3] ^ W[i - 8] ^ W[i - 14] ^ W[i - 16];
    W[i] = (x << 1) | (x >>> 31);
  }
  let a = H[0];
  let b1 = H[1];
  let c = H[2];
  let d = H[3];
  let e = H[4];
  for (let i = 0; i < 80; i++) {
    let f: number;
    let k: number;
    if (i < 20) {
      f = (b1 & c) | (~b1 & d);
      k = 0x5a827999;
    } else if (i < 40) {
      f = b1 ^ c ^ d;
      k = 0x6ed9eba1;
    } else if (i < 60) {
      f = (b1 & c) | (b1 & d) | (c & d);
      k = 0x8f1bbcdc | 0;
    } else {
      f = b1 ^ c ^ d;
      k = 0xca62c1d6 | 0;
    }
    const t = (((a << 5) | (a >>> 27)) + f + e + k + W[i]) | 0;
    e = d;
    d = c;
    c = (b1 << 30) | (b1 >>> 2);
    b1 = a;
    a = t;
  }
  H[0] = (H[0] + a) | 0;
  H[1] = (H[1] + b1) | 0;
  H[2] = (H[2] + c) | 0;
  H[3] = (H[3] + d) | 0;
  H[4] = (H[4] + e) | 0;
}

/** SHA-1 of data[0, len) into out[outOff, outOff + 20). */
export function sha1Into(data: Uint8Array, len: number, out: Uint8Array, outOff = 0): void {
  H[0] = 0x67452301;
  H[1] = 0xefcdab89 | 0;
  H[2] = 0x98badcfe | 0;
  H[3] = 0x10325476;
  H[4] = 0xc3d2e1f0 | 0;
  let off = 0;
  for (; off + 64 <= len; off += 64) block(data, off);
  const rest = len - off;
  TAIL.fill(0);
  for (let i = 0; i < rest; i++) TAIL[i] = data[off + i];
  TAIL[rest] = 0x80;
  const end = rest + 9 <= 64 ? 64 : 128;
  const bits = len * 8;
  const hi = Math.floor(bits / 0x100000000);
  const lo = bits >>> 0;
  TAIL[end - 8] = hi >>> 24;
  TAIL[end - 7] = (hi >>> 16) & 0xff;
  TAIL[end - 6] = (hi >>> 8) & 0xff;
  TAIL[end - 5] = hi & 0xff;
  TAIL[end - 4] = lo >>> 24;
  TAIL[end - 3] = (lo >>> 16) & 0xff;
  TAIL[end - 2] = (lo >>> 8) & 0xff;
  TAIL[end - 1] = lo & 0xff;
  block(TAIL, 0);
  if (end === 128) block(TAIL, 64);
  for (let i = 0; i < 5; i++) {
    const h = H[i];
    out[outOff + i * 4] = h >>> 24;
    out[outOff + i * 4 + 1] = (h >>> 16) & 0xff;
    out[outOff + i * 4 + 2] = (h >>> 8) & 0xff;
    out[outOff + i * 4 + 3] = h & 0xff;
  }
}
