// Key → hash slot → shard mapping, as Redis Cluster defines it.
// Invariants: slot = CRC16-XMODEM(key or its first non-empty {hash tag}) mod 16384; shard = slot mod N.
// Pure functions over bytes; no allocation.

export const SLOT_COUNT = 16384;

const TABLE = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let crc = i << 8;
  for (let j = 0; j < 8; j++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  TABLE[i] = crc;
}

export function crc16(buf: Uint8Array, from = 0, to = buf.length): number {
  let crc = 0;
  for (let i = from; i < to; i++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ buf[i]) & 0xff];
  return crc;
}

/** The hash slot of a key, honouring {hash tags} the way Redis Cluster does. */
export function keySlot(key: Uint8Array): number {
  const len = key.length;
  let open = -1;
  for (let i = 0; i < len; i++) {
    if (key[i] === 0x7b) {
      open = i;
      break;
    }
  }
  if (open >= 0) {
    for (let j = open + 1; j < len; j++) {
      if (key[j] === 0x7d) {
        if (j > open + 1) return crc16(key, open + 1, j) & (SLOT_COUNT - 1);
        break;
      }
    }
  }
  return crc16(key, 0, len) & (SLOT_COUNT - 1);
}

export function shardOfSlot(slot: number, shards: number): number {
  return slot % shards;
}

export function shardOfKey(key: Uint8Array, shards: number): number {
  return keySlot(key) % shards;
}

/** keySlot for a key held as a latin1 string (one char per byte). */
export function keySlotOfString(key: string): number {
  const len = key.length;
  let from = 0;
  let to = len;
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) {
      from = open + 1;
      to = close;
    }
  }
  let crc = 0;
  for (let i = from; i < to; i++) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ key.charCodeAt(i)) & 0xff];
  return crc & (SLOT_COUNT - 1);
}
