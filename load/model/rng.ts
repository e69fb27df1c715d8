/**
 * A small seeded RNG (mulberry32) so synthetic traffic is reproducible: the same seed gives the same
 * requests, ids and latencies. Not cryptographic; ids only need to be unique within a run.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
}

export function mulberry32(seed: number): Rng {
  let state = seed >>> 0;
  return {
    next() {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

/** A 32-bit seed from a string (FNV-1a), e.g. from a run id. */
export function seedFromString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** Standard normal deviate (Box-Muller; one of the pair is dropped to keep the RNG stateless). */
export function standardNormal(rng: Rng): number {
  const u = 1 - rng.next(); // (0, 1]: log(0) would be -Infinity
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** Lognormal parameters of a latency in ms: `median` = e^mu, `sigma` the spread of ln(latency). */
export interface LognormalMs {
  medianMs: number;
  sigma: number;
}

/** One lognormal draw in ms: median x e^(sigma x N(0, 1)). */
export function lognormalMs(rng: Rng, { medianMs, sigma }: LognormalMs): number {
  return medianMs * Math.exp(sigma * standardNormal(rng));
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** `bytes` random bytes as lowercase hex, never all zero (an all-zero trace or span id is invalid). */
export function randomHexId(rng: Rng, bytes: 8 | 16): string {
  for (;;) {
    let id = "";
    let zero = true;
    for (let i = 0; i < bytes; i++) {
      const byte = Math.floor(rng.next() * 256);
      if (byte !== 0) zero = false;
      id += HEX[byte];
    }
    if (!zero) return id;
  }
}
