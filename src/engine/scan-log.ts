// ScanLog: stable cursors for SCAN-style iteration (ZSCAN) over a big keyed collection.
// Every member added gets the next sequence number and is appended to the log; a cursor is a sequence
// number, so it survives any insert or delete: a member present for the whole scan is returned (a
// member deleted and added again may come back twice, as SCAN allows), one added meanwhile may or may not.
// Invariants: sequence numbers strictly increase along the log and are never reused; the log holds an
// entry for every live member (liveness is the owner's: the `isLive` callback); the entries that are
// not the latest of a live member number at most `live + COMPACT_SLACK`, then the log is compacted
// (sequence numbers kept).

const COMPACT_SLACK = 64;

export class ScanLog {
  private members: string[] = [];
  private seqs: number[] = [];
  private nextSeq = 1;
  /** Removals since the last compaction (an upper bound of the dead entries). */
  private dead = 0;

  /** A log of `members`, in that order. */
  static of(members: Iterable<string>): ScanLog {
    const log = new ScanLog();
    for (const m of members) log.add(m);
    return log;
  }

  get length(): number {
    return this.members.length;
  }

  /** Records a member that was just added to the collection. */
  add(member: string): void {
    this.members.push(member);
    this.seqs.push(this.nextSeq++);
  }

  /** Records a removal; compacts when dead entries outgrow the `live` ones. */
  removed(live: number, isLive: (m: string) => boolean): void {
    if (++this.dead > live + COMPACT_SLACK) this.compact(isLive);
  }

  /** Drops dead entries and all but the latest entry of each live member. */
  compact(isLive: (m: string) => boolean): void {
    const seen = new Set<string>();
    const keepM: string[] = [];
    const keepS: number[] = [];
    for (let i = this.members.length - 1; i >= 0; i--) {
      const m = this.members[i];
      if (seen.has(m) || !isLive(m)) continue;
      seen.add(m);
      keepM.push(m);
      keepS.push(this.seqs[i]);
    }
    this.members = keepM.reverse();
    this.seqs = keepS.reverse();
    this.dead = 0;
  }

  /**
   * One step of a scan from `cursor`: up to `count` live members (visiting at most 10 * count entries).
   * Returns the cursor to continue from, 0 when the log is exhausted.
   */
  scan(cursor: number, count: number, isLive: (m: string) => boolean, out: string[]): number {
    const seqs = this.seqs;
    let lo = 0;
    let hi = seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (seqs[mid] < cursor) lo = mid + 1;
      else hi = mid;
    }
    let budget = count * 10;
    let found = 0;
    let i = lo;
    for (; i < seqs.length && found < count && budget > 0; i++, budget--) {
      const m = this.members[i];
      if (isLive(m)) {
        out.push(m);
        found++;
      }
    }
    return i < seqs.length ? seqs[i] : 0;
  }
}
