export {
  DEFAULT_DOCKER_SOCKET,
  DockerEngine,
  describeEngine,
  engineAddressFromEnv,
  resolveEngineAddress,
  type EngineLookup,
  type EngineAddress,
  type EngineReply,
  type LabelledContainer,
} from "./docker-engine.ts";
export { probeK3s, type K3sProbe, type K3sProbeOptions } from "./probe-k3s.ts";
export { testcontainersSupport, type ClientSupport } from "./testcontainers-support.ts";
export { formatK3sPlan, planK3s, type K3sPlan, type K3sPlanOptions } from "./k3s-plan.ts";
export { K3sRuntime, type K3sStartOptions } from "./k3s-runtime.ts";
export { deployToK3s, type DeployToK3sContext, type K3sNode } from "./deploy-to-k3s.ts";
export { RUNNER_LABEL, cleanupK3sContainers } from "./cleanup-containers.ts";
