// Node's fast latin1 Buffer methods (present on Buffer.prototype, missing from @types/node).
declare global {
  interface Buffer {
    /** Writes a latin1 string at `offset`; returns the number of bytes written. */
    latin1Write(s: string, offset?: number, length?: number): number;
    /** Decodes [start, end) as latin1. */
    latin1Slice(start?: number, end?: number): string;
  }
}
export {};
