/**
 * Group commit: writes that arrive while the database is busy (or in the same event-loop turn) are
 * flushed together in one statement, and each caller's promise settles when its own row is
 * committed, so the durability each caller sees is unchanged. If a batch fails, its items are retried
 * one by one so a single bad item fails alone.
 */
export function createWriteBatcher<T>(
  flush: (items: T[]) => Promise<void>,
  maxBatch = 200,
): (item: T) => Promise<void> {
  let pending: { item: T; resolve: () => void; reject: (err: unknown) => void }[] = [];
  let running = false;

  async function drain(): Promise<void> {
    running = true;
    while (pending.length > 0) {
      const batch = pending.slice(0, maxBatch);
      pending = pending.slice(batch.length);
      try {
        await flush(batch.map((b) => b.item));
        for (const b of batch) b.resolve();
      } catch (err) {
        if (batch.length === 1) {
          batch[0]?.reject(err);
          continue;
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
    running = false;
  }

  return (item: T) =>
    new Promise<void>((resolve, reject) => {
      pending.push({ item, resolve, reject });
      if (!running) {
        running = true;
        // Let the other requests of this turn join the batch.
        setImmediate(() => {
          drain().catch(() => undefined);
        });
      }
    });
}
