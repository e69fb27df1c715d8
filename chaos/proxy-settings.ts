import type { FaultProxyControl, ProxyFaultSettings } from "../stack/index.ts";

/** Adds `patch` to each proxy's current settings (other faults on the same proxy stay); the returned undo removes exactly those keys. */
export function patchProxies(proxies: readonly FaultProxyControl[], patch: ProxyFaultSettings): () => void {
  for (const proxy of proxies) proxy.set({ ...proxy.settings(), ...patch });
  return () => {
    for (const proxy of proxies) {
      const next: ProxyFaultSettings = { ...proxy.settings() };
      for (const key of Object.keys(patch) as (keyof ProxyFaultSettings)[]) delete next[key];
      proxy.set(next);
    }
  };
}

export const describeProxies = (proxies: readonly FaultProxyControl[]) =>
  proxies.map((p) => `${p.component}@${p.port} (${p.listen.host}:${p.listen.port} -> ${p.upstream.host}:${p.upstream.port})`).join(", ");
