import { ATTACH_NO_CONTROL } from "../stack/runtimes/attach/no-control.ts";
import { HarnessError } from "../common/errors.ts";
import { systemClock, type Clock } from "../common/clock.ts";
import { onShutdown, type ComponentControl, type FaultProxyControl, type StartedStack } from "../stack/index.ts";
import type { NetnsPlacementInfo, ProxyFaultSettings } from "../stack/started-stack.ts";
import type { ActiveFault, Fault, HealResult, Preflight, PreflightContext } from "./fault.ts";
import { formatFaultSpec, type FaultSpec } from "./fault-spec.ts";
import type { HostCapabilities } from "./host-capabilities.ts";
import { describeProxies, patchProxies } from "./proxy-settings.ts";

/**
 * Wraps a fault's undo into an ActiveFault: heal runs once (later calls return the first result),
 * dispose heals, and the process's SIGINT/SIGTERM/uncaught-error shutdown heals first.
 */
export function activeFault(options: {
  spec: FaultSpec;
  how: string;
  injectedAtMs: number /** Undoes the fault; may say when the undo took effect (default: when it returned) and when the component was ready again. */;
  undo: (why: { shuttingDown: boolean }) => Promise<{ healedAtMs?: number; readyAtMs?: number } | void>;
  clock?: Clock;
}): ActiveFault {
  const clock = options.clock ?? systemClock;
  let healing: Promise<HealResult> | undefined;
  let healedAtMs: number | undefined;
  const heal = (shuttingDown = false) => {
    healing ??= (async () => {
      unregister();
      const undone = await options.undo({ shuttingDown });
      healedAtMs = undone?.healedAtMs ?? clock.nowMs();
      return { healedAtMs, ...(undone?.readyAtMs !== undefined ? { readyAtMs: undone.readyAtMs } : {}) };
    })();
    return healing;
  };
  // Phase "faults": on SIGINT/SIGTERM every fault is undone before any process is stopped.
  const unregister = onShutdown(async () => void (await heal(true).catch(() => undefined)), { phase: "faults" });
  return {
    spec: options.spec,
    name: formatFaultSpec(options.spec),
    how: options.how,
    injectedAtMs: options.injectedAtMs,
    healedAtMs: () => healedAtMs,
    heal: () => heal(),
    [Symbol.asyncDispose]: async () => void (await heal()),
  };
}

/** The component's control surface, or a HarnessError saying what is missing. */
export function requireControl(stack: StartedStack, spec: FaultSpec): ComponentControl {
  const name = formatFaultSpec(spec);
  if (!stack.control) throw new HarnessError(`${name}: the ${stack.runtime} runtime has no fault control surface (expected the local runtime)`);
  const control = stack.control(spec.component);
  if (!control)
    throw new HarnessError(
      `${name}: component ${spec.component} is not started in this stack (started: ${
        stack
          .components()
          .filter((c) => c.status.state === "ready")
          .map((c) => c.plan.component)
          .join(", ") || "none"
      })`,
    );
  return control;
}

/** The proxies the fault acts on (one named port, or every proxied port), or a HarnessError naming the missing placement. */
export function requireProxies(control: ComponentControl, spec: FaultSpec, mode: "tcp" | "http"): FaultProxyControl[] {
  const proxies = spec.port ? [control.proxy(spec.port)].filter((p) => p !== undefined) : [...control.proxies()];
  const usable = proxies.filter((p) => mode === "tcp" || p.mode === "http");
  if (usable.length === 0) {
    const seen = proxies.length > 0 ? proxies.map((p) => `${p.port} (${p.mode})`).join(", ") : "none";
    throw new HarnessError(
      `${formatFaultSpec(spec)}: needs a ${mode} fault proxy in front of ${spec.component}${spec.port ? `@${spec.port}` : ""}, placed at start (pass the fault's preflight().needs as the runtime's placements); proxies seen: ${seen}`,
    );
  }
  return usable;
}

export const unsupportedRuntime = (runtime: string, what: string) => ({
  status: "unsupported" as const,
  reason:
    runtime === "attach"
      ? `${ATTACH_NO_CONTROL} (${what} needs them; a fault proxy in front of an attached endpoint is not built)`
      : `runtime ${runtime}: ${what} is implemented for the local runtime only (k8s pod-level faults are not built yet)`,
});

/**
 * A network fault placed one of two ways, as its preflight decides once per process: inside the
 * component's network namespace (a `netns` need: rules or a qdisc, `inNetns`) or at the userspace
 * fault proxy in front of it (a `proxy` need: `atProxy` patched onto every proxy, undone on heal).
 */
export function netnsOrProxyFault(
  spec: FaultSpec,
  options: {
    capabilities: () => Promise<HostCapabilities>;
    /** The local runtime's placement, from the host's capabilities. */
    decide: (caps: HostCapabilities) => Preflight;
    inNetns: (netns: NetnsPlacementInfo, caps: HostCapabilities, how: string) => Promise<{ how: string; undo: () => Promise<unknown> }>;
    atProxy: ProxyFaultSettings;
  },
): Fault {
  const name = formatFaultSpec(spec);
  let decided: Promise<Preflight> | undefined;
  const preflight = ({ runtime }: PreflightContext = { runtime: "local" }) => {
    if (runtime !== "local") return Promise.resolve<Preflight>(unsupportedRuntime(runtime, spec.kind));
    decided ??= options.capabilities().then(options.decide);
    return decided;
  };
  return {
    spec,
    name,
    preflight,
    async inject(stack) {
      const plan = await preflight({ runtime: stack.runtime });
      if (plan.status === "unsupported") throw new HarnessError(`${name}: unsupported here (${plan.reason})`);
      const control = requireControl(stack, spec);
      if (plan.needs.some((n) => n.kind === "netns")) {
        const info = control.netns();
        if (!info) throw new HarnessError(`${name}: needs ${spec.component} in a network namespace placed at start (pass preflight().needs as placements)`);
        const placed = await options.inNetns(info, await options.capabilities(), plan.how);
        return activeFault({ spec, how: placed.how, injectedAtMs: systemClock.nowMs(), undo: async () => void (await placed.undo()) });
      }
      const proxies = requireProxies(control, spec, "tcp");
      const undo = patchProxies(proxies, options.atProxy);
      return activeFault({ spec, how: `${plan.how}: ${describeProxies(proxies)}`, injectedAtMs: systemClock.nowMs(), undo: async () => undo() });
    },
  };
}
