/** An unbounded single-consumer queue exposed as an async iterator, ended by close() or fail(). */
export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  #items: T[] = []
  #head = 0
  #waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined
  #closed = false
  #error: unknown

  /** Number of items waiting to be taken. */
  get size(): number {
    return this.#items.length - this.#head
  }

  get closed(): boolean {
    return this.#closed
  }

  push(item: T): void {
    if (this.#closed) return
    if (this.#waiter) {
      const w = this.#waiter
      this.#waiter = undefined
      w.resolve({ value: item, done: false })
      return
    }
    this.#items.push(item)
  }

  /** Ends the iteration once the queued items are taken. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#wake()
  }

  /** Ends the iteration with an error once the queued items are taken. */
  fail(err: unknown): void {
    if (this.#closed) return
    this.#error = err ?? new Error("Queue failed")
    this.#closed = true
    this.#wake()
  }

  #wake(): void {
    const w = this.#waiter
    if (!w || this.size > 0) return
    this.#waiter = undefined
    if (this.#error !== undefined) w.reject(this.#error)
    else w.resolve({ value: undefined, done: true })
  }

  next(): Promise<IteratorResult<T>> {
    if (this.size > 0) {
      const value = this.#items[this.#head] as T
      this.#items[this.#head++] = undefined as T
      if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
        this.#items = this.#items.slice(this.#head)
        this.#head = 0
      }
      return Promise.resolve({ value, done: false })
    }
    if (this.#closed) {
      if (this.#error !== undefined) return Promise.reject(this.#error)
      return Promise.resolve({ value: undefined, done: true })
    }
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject }
    })
  }

  /**
   * Takes every queued item at once (at most `max`), without waiting: a consumer woken by next()
   * applies what came in the same turn together instead of one promise per item.
   */
  takeAll(max = Infinity): T[] {
    if (this.size === 0) return []
    if (this.size > max) {
      const items = this.#items.slice(this.#head, this.#head + max)
      this.#items.fill(undefined as T, this.#head, this.#head + max)
      this.#head += max
      return items
    }
    const items = this.#head === 0 ? this.#items : this.#items.slice(this.#head)
    this.#items = []
    this.#head = 0
    return items
  }

  return(): Promise<IteratorResult<T>> {
    this.#closed = true
    this.#items = []
    this.#head = 0
    return Promise.resolve({ value: undefined, done: true })
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this
  }
}

/** An iterator that may also hand over every item it holds queued at once (as AsyncQueue does). */
export type Batched<T> = AsyncIterator<T> & Partial<Pick<AsyncQueue<T>, "takeAll">>
