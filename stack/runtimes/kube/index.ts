export { K3S_AIRGAP_IMAGES_DIR, K3S_IMAGE } from "./versions.ts";
export { APPLY_ORDER, renderForTarget, sortForApply, type RenderedObject, type RenderTarget } from "./render.ts";
export { MANAGED_BY, MANAGED_BY_LABEL, RUN_ID_LABEL, RUNNER_ANNOTATION, moveToRunNamespace, runNamespace, type RunNamespaceContext } from "./run-namespace.ts";
export { rewriteSdNamespaces, rewriteServiceDns } from "./namespace-text.ts";
export { HARNESS_PORTS, NODE_PORT_FIRST, NODE_PORT_STATIC_BAND_LAST, allocateNodePorts, exposedNodePorts, type NodePortExposure } from "./node-ports.ts";
export { applyImagePin, normalizeImageRef, parseImageRef, type ImageRef } from "./image-ref.ts";
export { inspectArchive, inspectImagesDir, type ImageArchive } from "./image-archive.ts";
export { SAVED_ARCHIVE_NAMES, imagePlan, type ImagePlan, type ImagePlanOptions, type NeededImage, type PlannedArchive } from "./image-plan.ts";
export { formatKubePlan, planKube, type KubePlanTextOptions } from "./plan-kube.ts";
