/**
 * Posts each channel's newest voucher a moment after its last answer, unless
 * another answer comes first: under steady traffic the voucher rides on the
 * next query (docs/protocol.md §8) and one post per `delayMs` per channel is
 * the most a busy channel sends; an idle one is paid in full `delayMs` after
 * its last answer. flush() posts everything at once (on close).
 */
export class VoucherFlusher {
  private readonly waiting = new Map<string, {timer: NodeJS.Timeout; post: () => Promise<unknown>}>();
  private readonly posting = new Set<Promise<unknown>>();

  /** @param delayMs How long after an answer its voucher may wait for a later query to carry it. Default: 250 ms. */
  constructor(private readonly delayMs = 250) {}

  /** Post for `key` (a channel) after the delay, replacing a post already waiting: only the newest voucher matters. */
  schedule(key: string, post: () => Promise<unknown>): void {
    const earlier = this.waiting.get(key);
    if (earlier) {
      earlier.post = post;
      return;
    }
    const timer = setTimeout(() => this.fire(key), this.delayMs);
    timer.unref();
    this.waiting.set(key, {timer, post});
  }

  private fire(key: string): void {
    const entry = this.waiting.get(key);
    if (!entry) return;
    this.waiting.delete(key);
    clearTimeout(entry.timer);
    // A failed post loses nothing: the voucher is saved, and the next query carries it.
    const p = entry.post().catch(() => undefined);
    this.posting.add(p);
    void p.finally(() => this.posting.delete(p));
  }

  /** Posts waiting or in progress. */
  get size(): number {
    return this.waiting.size + this.posting.size;
  }

  /** Post every waiting voucher now and wait for all posts to end. */
  async flush(): Promise<void> {
    for (const key of [...this.waiting.keys()]) this.fire(key);
    await Promise.all([...this.posting]);
  }
}
