import { DockerEngine } from "./docker-engine.ts";
import { testcontainersSupport, type ClientSupport } from "./testcontainers-support.ts";
import { K3S_IMAGE } from "../kube/versions.ts";
import type { SummedRequests } from "../kube/resource-requests.ts";
import { engineFactsOf, k3sPreflight, type EngineFacts } from "./k3s-preflight.ts";

/** Whether the k3s runtime can start here, and the one-line reason `auto` prints and records. */
export type K3sProbe = (
  | { usable: true; engine: string; engineVersion: string; image: string; imageSource: "present" | "pullable" | "archive"; reason: string }
  | { usable: false; engine: string; engineVersion?: string; image: string; problem: "no-client" | "no-engine" | "no-image" | "preflight"; reason: string }
) & {
  /** What the engine's /info said, and the preflight's notes (VM engine, image store), when the engine answered. */
  facts?: EngineFacts;
  notes?: string[];
};

export interface K3sProbeOptions {
  engine?: DockerEngine;
  image?: string;
  /** Archives (from `--images DIR`) known to hold the k3s image: it will be `docker load`ed, so it counts as available. */
  imageArchives?: readonly string[];
  /** Bound of each engine call; the registry probe gets the same. */
  timeoutMs?: number;
  /** The stack's summed requests (planK3s passes them): compared with the engine's CPUs and memory. */
  requests?: SummedRequests;
  /** Whether testcontainers loads under this Node (tests pass an answer). */
  client?: () => ClientSupport;
}

/**
 * Asks the container engine whether it answers, whether the k3s image is present, and if not,
 * whether its registry would serve it (a manifest look-up through the engine; nothing is pulled).
 * Never throws: every failure is a reason. At most three calls of `timeoutMs` each.
 */
export async function probeK3s(options: K3sProbeOptions = {}): Promise<K3sProbe> {
  const found = await probeEngineAndImage(options);
  const support = (options.client ?? testcontainersSupport)();
  if (support.ok) return found;
  const why = `the k3s runtime cannot load here: ${support.reason}`;
  if (!found.usable) return { ...found, reason: `${found.reason}; also, ${why}` };
  return {
    usable: false,
    engine: found.engine,
    engineVersion: found.engineVersion,
    image: found.image,
    problem: "no-client",
    reason: `${found.reason}, but ${why}`,
  };
}

async function probeEngineAndImage({
  engine = new DockerEngine(),
  image = K3S_IMAGE,
  imageArchives = [],
  timeoutMs = 3_000,
  requests,
}: K3sProbeOptions): Promise<K3sProbe> {
  const base = { engine: engine.describe, image };
  let engineVersion: string;
  try {
    engineVersion = await withTimeout(engine.ping(), timeoutMs, `no answer within ${timeoutMs}ms`);
  } catch (error) {
    return { ...base, usable: false, problem: "no-engine", reason: `no container engine answered at ${engine.describe} (${messageOf(error)})` };
  }
  const answers = `the container engine at ${engine.describe} answers (version ${engineVersion})`;
  const info = await withTimeout(engine.info(), timeoutMs, `no answer within ${timeoutMs}ms`).catch(() => undefined);
  const facts = info ? engineFactsOf(info) : undefined;
  const preflight = facts ? k3sPreflight(facts, requests) : { blockers: [], notes: [] };
  const extra = { ...(facts ? { facts } : {}), ...(preflight.notes.length ? { notes: preflight.notes } : {}) };
  if (preflight.blockers.length > 0) {
    return { ...base, ...extra, usable: false, engineVersion, problem: "preflight", reason: `${answers} but ${preflight.blockers.join("; and ")}` };
  }
  const found = await probeImage(engine, image, imageArchives, timeoutMs, answers, engineVersion);
  return { ...found, ...extra };
}

async function probeImage(
  engine: DockerEngine,
  image: string,
  imageArchives: readonly string[],
  timeoutMs: number,
  answers: string,
  engineVersion: string,
): Promise<K3sProbe> {
  const base = { engine: engine.describe, image };
  try {
    if (await withTimeout(engine.imagePresent(image), timeoutMs, `no answer within ${timeoutMs}ms`)) {
      return { ...base, usable: true, engineVersion, imageSource: "present", reason: `${answers} and the k3s image ${image} is present` };
    }
  } catch (error) {
    return {
      ...base,
      usable: false,
      engineVersion,
      problem: "no-engine",
      reason: `${answers} but inspecting the k3s image ${image} failed (${messageOf(error)})`,
    };
  }
  if (imageArchives.length > 0) {
    return {
      ...base,
      usable: true,
      engineVersion,
      imageSource: "archive",
      reason: `${answers} and the k3s image ${image} is in ${imageArchives.join(", ")} (loaded before start)`,
    };
  }
  const registry = await withTimeout(engine.registryServes(image, timeoutMs), timeoutMs + 500, "no answer").catch(() => ({
    pullable: false as const,
    reason: `the registry probe got no answer within ${timeoutMs}ms`,
  }));
  if (registry.pullable)
    return {
      ...base,
      usable: true,
      engineVersion,
      imageSource: "pullable",
      reason: `${answers} and its registry serves the k3s image ${image} (pulled at start)`,
    };
  return {
    ...base,
    usable: false,
    engineVersion,
    problem: "no-image",
    reason: `${answers} but the k3s image ${image} is not present and cannot be pulled: ${registry.reason}`,
  };
}

/** A promise that settles by `timeoutMs` at the latest (the engine calls have their own bound; this is the backstop). */
async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(what)), timeoutMs + 250);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^container engine at \S+: /, "");
}
