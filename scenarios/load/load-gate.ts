/**
 * Canaries and query load begin once every receiver's counter shows its load arriving, so they measure
 * the stack under load (generator workers take seconds to start, more under contention). Each
 * throughput check that runs `expects()` an arrival at the start of its run; `loaded()` waits for every
 * expected one (an arrival also counts when its check ends without one).
 */
export class LoadGate {
  readonly #arrivals: Promise<void>[] = [];
  readonly #onOpen: (waitedMs: number, expected: number) => void;
  readonly #startedAtMs = performance.now();
  #opened: Promise<void> | undefined;

  constructor(onOpen: (waitedMs: number, expected: number) => void = () => {}) {
    this.#onOpen = onOpen;
  }

  /** Registers one arrival to wait for; call the returned function when the load arrived (or never will). */
  expect(): () => void {
    let arrived = () => {};
    this.#arrivals.push(new Promise<void>((resolve) => (arrived = resolve)));
    return arrived;
  }

  /**
   * Resolves when every expected arrival happened. Groups start in one turn of the event loop, so the
   * arrivals are counted a macrotask later, after every throughput check had its chance to `expect()`.
   */
  loaded(): Promise<void> {
    this.#opened ??= new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
      await Promise.all(this.#arrivals);
      if (this.#arrivals.length) this.#onOpen(performance.now() - this.#startedAtMs, this.#arrivals.length);
    });
    return this.#opened;
  }
}
