import { KubeConfig } from "@kubernetes/client-node";

/**
 * A KubeConfig for a plain-HTTP API server. @kubernetes/client-node 1.x refuses `http://` servers
 * unless `skipTLSVerify` is set ("HTTP protocol is not allowed when skipTLSVerify is not set or
 * false"), so it is set here: there is no TLS to verify on loopback HTTP.
 */
export function kubeConfigFor(origin: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "double", server: origin, skipTLSVerify: true }],
    users: [{ name: "double" }],
    contexts: [{ name: "double", cluster: "double", user: "double" }],
    currentContext: "double",
  });
  return kc;
}
