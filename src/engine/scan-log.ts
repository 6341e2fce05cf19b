// ScanLog: stable cursors for SCAN-style iteration (ZSCAN) over a big keyed collection.
// Every member added gets the next sequence number and is appended to the log; a cursor is a sequence
// number, so it survives any insert or delete: a member present for the whole scan is returned, one
// added meanwhile may or may not. A member removed and added again before the next compaction takes its
// old entry back (it was not present for the whole scan, so either place is right), so a scan never
// returns a member twice.
// Invariants: sequence numbers strictly increase along the log and are never reused; the log holds
// exactly one entry for every live member (liveness is the owner's: the `isLive` callback) and at most
// one for any other member (`orphans`: the members removed since the last compaction, whose entries
// are dead); dead entries number at most `live + COMPACT_SLACK`, then the log is compacted (sequence
// numbers kept).

const COMPACT_SLACK = 64;

export class ScanLog {
  private members: string[] = [];
  private seqs: number[] = [];
  private nextSeq = 1;
  /** Removals since the last compaction (an upper bound of the dead entries). */
  private dead = 0;
  /** Members removed since the last compaction: each still has its (dead) entry in the log. */
  private orphans = new Set<string>();

  /** A log of `members`, in that order. */
  static of(members: Iterable<string>): ScanLog {
    const log = new ScanLog();
    for (const m of members) log.add(m);
    return log;
  }

  get length(): number {
    return this.members.length;
  }

  /** Records a member that was just added to the collection (a removed one gets its entry back). */
  add(member: string): void {
    if (this.orphans.size > 0 && this.orphans.delete(member)) return;
    this.members.push(member);
    this.seqs.push(this.nextSeq++);
  }

  /** Records the removal of `member`; compacts when dead entries outgrow the `live` ones. */
  removed(member: string, live: number, isLive: (m: string) => boolean): void {
    this.orphans.add(member);
    if (++this.dead > live + COMPACT_SLACK) this.compact(isLive);
  }

  /** Drops dead entries (and all but the latest entry of a member, should there be more). */
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
    this.orphans.clear();
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
