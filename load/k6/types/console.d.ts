/**
 * k6's `console` (goja/sobek runtime): @types/k6 leaves it to the DOM lib, which would also bring
 * browser globals k6 does not have. Only the methods k6 implements.
 */
declare global {
  const console: {
    log(...args: unknown[]): void;
    info(...args: unknown[]): void;
    warn(...args: unknown[]): void;
    error(...args: unknown[]): void;
    debug(...args: unknown[]): void;
  };
}

export {};
