// MurmurHash64A (Redis's endian-neutral variant, hyperloglog.c) and hllPatLen: which register an
// element lands in and the length of its "000..1" run, exactly as Redis 7 computes them.
// Invariants: 64-bit arithmetic is done on two uint32 halves (no BigInt, no allocation); the result
// of murmurHash64A is left in HASH; patLen returns count * 2^14 + index with index < 16384
// and 1 <= count <= 51.

const M_HI = 0xc6a4a793;
const M_LO = 0x5bd1e995;
/** Redis's seed for HyperLogLog hashing. */
export const HLL_SEED = 0xadc83b19;

/** The last hash: [high 32 bits, low 32 bits] (a typed array: storing into it allocates nothing). */
export const HASH = new Uint32Array(2);

/** The high 32 bits of the 64-bit product of two uint32 (16-bit split: every partial product is exact). */
function umulhi(a: number, b: number): number {
  const t = (a & 0xffff) * b; // < 2^48
  const u = (a >>> 16) * b; // < 2^48; the product is u * 2^16 + t
  const uHi = Math.floor(u / 65536);
  return (uHi + Math.floor(((u - uHi * 65536) * 65536 + t) / 4294967296)) >>> 0;
}

/** MurmurHash64A of data[from, from + len) with `seed`: the result in HASH. */
export function murmurHash64A(data: Uint8Array, from: number, len: number, seed: number): void {
  // Each "x *= m" below is, on (hi, lo): lo' = lo * M_LO mod 2^32, hi' = hi * M_LO + lo * M_HI + carry.
  let hLo = Math.imul(len, M_LO) >>> 0;
  let hHi = (umulhi(len, M_LO) + Math.imul(len, M_HI)) >>> 0;
  hLo = (hLo ^ seed) >>> 0; // h = seed ^ (len * m)
  const end = from + (len - (len & 7));
  let i = from;
  for (; i !== end; i += 8) {
    let kLo = (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24)) >>> 0;
    let kHi = (data[i + 4] | (data[i + 5] << 8) | (data[i + 6] << 16) | (data[i + 7] << 24)) >>> 0;
    let l = Math.imul(kLo, M_LO) >>> 0; // k *= m
    kHi = (umulhi(kLo, M_LO) + Math.imul(kHi, M_LO) + Math.imul(kLo, M_HI)) >>> 0;
    kLo = (l ^ (kHi >>> 15)) >>> 0; // k ^= k >> r
    l = Math.imul(kLo, M_LO) >>> 0; // k *= m
    kHi = (umulhi(kLo, M_LO) + Math.imul(kHi, M_LO) + Math.imul(kLo, M_HI)) >>> 0;
    hLo = (hLo ^ l) >>> 0; // h ^= k
    hHi = (hHi ^ kHi) >>> 0;
    l = Math.imul(hLo, M_LO) >>> 0; // h *= m
    hHi = (umulhi(hLo, M_LO) + Math.imul(hHi, M_LO) + Math.imul(hLo, M_HI)) >>> 0;
    hLo = l;
  }
  const rest = len & 7;
  if (rest !== 0) {
    for (let j = rest - 1; j >= 0; j--) {
      const b = data[i + j];
      if (j >= 4) hHi = (hHi ^ (b << ((j - 4) * 8))) >>> 0;
      else hLo = (hLo ^ (b << (j * 8))) >>> 0;
    }
    const l = Math.imul(hLo, M_LO) >>> 0; // h *= m
    hHi = (umulhi(hLo, M_LO) + Math.imul(hHi, M_LO) + Math.imul(hLo, M_HI)) >>> 0;
    hLo = l;
  }
  hLo = (hLo ^ (hHi >>> 15)) >>> 0; // h ^= h >> r
  const l = Math.imul(hLo, M_LO) >>> 0; // h *= m
  hHi = (umulhi(hLo, M_LO) + Math.imul(hHi, M_LO) + Math.imul(hLo, M_HI)) >>> 0;
  HASH[0] = hHi;
  HASH[1] = l ^ (hHi >>> 15); // h ^= h >> r
}

/** Index bits (HLL_P): 16384 registers. */
export const HLL_P = 14;
export const HLL_REGISTERS = 1 << HLL_P;

/**
 * Redis hllPatLen for ele[from, from + len): count * HLL_REGISTERS + index (count: the position of the
 * first 1 bit above the index bits, counting from 1; 51 when there is none).
 */
export function patLen(ele: Uint8Array, from: number, len: number): number {
  murmurHash64A(ele, from, len, HLL_SEED);
  const hashLo = HASH[1];
  const hashHi = HASH[0];
  const index = hashLo & (HLL_REGISTERS - 1);
  const low = hashLo >>> HLL_P; // 18 bits
  let count: number;
  if (low !== 0) count = 32 - Math.clz32(low & -low);
  else if (hashHi !== 0) count = 18 + 32 - Math.clz32(hashHi & -hashHi);
  else count = 51;
  return count * HLL_REGISTERS + index;
}
