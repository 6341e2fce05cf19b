// MurmurHash64A (Redis's endian-neutral variant, hyperloglog.c) and hllPatLen: which register an
// element lands in and the length of its "000..1" run, exactly as Redis 7 computes them.
// Invariants: 64-bit arithmetic is done on two uint32 halves (no BigInt, no allocation); the result
// of murmurHash64A is left in hashHi/hashLo; patLen returns count * 2^14 + index with index < 16384
// and 1 <= count <= 51.

const M_HI = 0xc6a4a793;
const M_LO = 0x5bd1e995;
/** Redis's seed for HyperLogLog hashing. */
export const HLL_SEED = 0xadc83b19;

/** The last hash's high and low 32 bits (unsigned). */
export let hashHi = 0;
export let hashLo = 0;

// (hi, lo) * M mod 2^64, result in mulHi/mulLo.
let mulHi = 0;
let mulLo = 0;

function mulM(hi: number, lo: number): void {
  // lo * M_LO in full (64 bits) via 16-bit limbs; the cross terms only reach the high half.
  const a0 = lo & 0xffff;
  const a1 = lo >>> 16;
  const b0 = M_LO & 0xffff;
  const b1 = M_LO >>> 16;
  const p00 = a0 * b0;
  const p10 = a1 * b0;
  const p01 = a0 * b1;
  const mid = (p00 >>> 16) + (p10 & 0xffff) + (p01 & 0xffff);
  const carry = a1 * b1 + (p10 >>> 16) + (p01 >>> 16) + Math.floor(mid / 65536);
  mulLo = ((mid & 0xffff) * 65536 + (p00 & 0xffff)) >>> 0;
  mulHi = (carry + Math.imul(hi, M_LO) + Math.imul(lo, M_HI)) >>> 0;
}

/** MurmurHash64A of data[from, from + len) with `seed`: the result in hashHi/hashLo. */
export function murmurHash64A(data: Uint8Array, from: number, len: number, seed: number): void {
  // h = seed ^ (len * m)
  mulM(0, len >>> 0);
  let hHi = mulHi;
  let hLo = (mulLo ^ seed) >>> 0;
  const end = from + (len - (len & 7));
  let i = from;
  for (; i !== end; i += 8) {
    const kLo = (data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24)) >>> 0;
    const kHi = (data[i + 4] | (data[i + 5] << 8) | (data[i + 6] << 16) | (data[i + 7] << 24)) >>> 0;
    mulM(kHi, kLo); // k *= m
    mulM(mulHi, (mulLo ^ (mulHi >>> 15)) >>> 0); // k ^= k >> 47; k *= m
    hHi = (hHi ^ mulHi) >>> 0; // h ^= k
    hLo = (hLo ^ mulLo) >>> 0;
    mulM(hHi, hLo); // h *= m
    hHi = mulHi;
    hLo = mulLo;
  }
  const rest = len & 7;
  if (rest !== 0) {
    for (let j = rest - 1; j >= 0; j--) {
      const b = data[i + j];
      if (j >= 4) hHi = (hHi ^ (b << ((j - 4) * 8))) >>> 0;
      else hLo = (hLo ^ (b << (j * 8))) >>> 0;
    }
    mulM(hHi, hLo);
    hHi = mulHi;
    hLo = mulLo;
  }
  hLo = (hLo ^ (hHi >>> 15)) >>> 0; // h ^= h >> r
  mulM(hHi, hLo); // h *= m
  hHi = mulHi;
  hashHi = hHi;
  hashLo = (mulLo ^ (hHi >>> 15)) >>> 0; // h ^= h >> r
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
  const index = hashLo & (HLL_REGISTERS - 1);
  const low = hashLo >>> HLL_P; // 18 bits
  let count: number;
  if (low !== 0) count = 32 - Math.clz32(low & -low);
  else if (hashHi !== 0) count = 18 + 32 - Math.clz32(hashHi & -hashHi);
  else count = 51;
  return count * HLL_REGISTERS + index;
}
