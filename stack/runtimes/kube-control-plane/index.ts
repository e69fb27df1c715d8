export {
  CONTROL_PLANE_MODULE,
  cachedBinary,
  findCachedBinary,
  componentsCache,
  controlPlaneVersions,
  findControlPlane,
  type ControlPlaneAvailability,
  type ControlPlaneBinaries,
  type ControlPlaneVersions,
} from "./control-plane-binaries.ts";
export { makeControlPlaneCerts, type ControlPlaneCerts } from "./control-plane-certs.ts";
export { startKubeControlPlane, type KubeControlPlaneOptions, type StartedKubeControlPlane } from "./start-kube-control-plane.ts";
export { startKubeApiForKsm, type KubeApiForKsm } from "./kube-api-for-ksm.ts";
