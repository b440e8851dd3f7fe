/**
 * Runs async functions one at a time per key, in the order they were given. The bot uses it where a
 * read-modify-write on storage, or the order of arrival, must not be reordered by awaits: two
 * messages of one thread are admitted in the order they came, a user's counter is updated by one
 * request at a time.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(work, work);
    // The tail never rejects, so one failure does not poison the key's later work.
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
