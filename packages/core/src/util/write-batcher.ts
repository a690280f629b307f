/**
 * Group commit: writes that arrive while the database is busy (or in the same event-loop turn) are
 * flushed together in one statement, and each caller's promise settles when its own row is
 * committed, so the durability each caller sees is unchanged. If a batch fails, its items are retried
 * one by one so a single bad item fails alone.
 */
export interface WriteBatcherOptions {
  /** Most items per flush. @default 200 */
  maxBatch?: number;
  /**
   * Flush as soon as this many are waiting instead of at the end of the event-loop turn, so the
   * first answers go out while later requests are still being read (no convoy of whole batches).
   * @default Infinity
   */
  flushAt?: number;
  /**
   * Flushes that may run at once. 1 keeps one statement in flight (writes on the serving connection).
   * A writer thread that commits its messages in order can take more: the next batch is already
   * queued when one commits, so requests wait for one commit, not for a commit and a thread hop.
   * @default 1
   */
  maxInFlight?: number;
}

interface Pending<T> {
  item: T;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export function createWriteBatcher<T>(
  flush: (items: T[]) => Promise<void>,
  options: WriteBatcherOptions = {},
): (item: T) => Promise<void> {
  const maxBatch = options.maxBatch ?? 200;
  const flushAt = options.flushAt ?? Number.POSITIVE_INFINITY;
  const maxInFlight = Math.max(1, options.maxInFlight ?? 1);
  let pending: Pending<T>[] = [];
  let inFlight = 0;
  let scheduled = false;

  async function write(batch: Pending<T>[]): Promise<void> {
    try {
      await flush(batch.map((b) => b.item));
      for (const b of batch) b.resolve();
    } catch (err) {
      if (batch.length === 1) {
        batch[0]?.reject(err);
        return;
      }
      for (const b of batch) {
        try {
          await flush([b.item]);
          b.resolve();
        } catch (e) {
          b.reject(e);
        }
      }
    }
  }

  function start(): void {
    scheduled = false;
    while (inFlight < maxInFlight && pending.length > 0) {
      const batch = pending.length <= maxBatch ? pending : pending.slice(0, maxBatch);
      pending = pending.length <= maxBatch ? [] : pending.slice(maxBatch);
      inFlight++;
      void write(batch).finally(() => {
        inFlight--;
        start();
      });
    }
  }

  return (item: T) =>
    new Promise<void>((resolve, reject) => {
      pending.push({ item, resolve, reject });
      if (inFlight >= maxInFlight) return; // a finishing flush picks it up
      if (pending.length >= flushAt) queueMicrotask(start);
      else if (!scheduled) {
        scheduled = true;
        // Let the other requests of this turn join the batch.
        setImmediate(start);
      }
    });
}
