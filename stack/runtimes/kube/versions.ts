/**
 * The one place the k3s runtime pins its k3s image. k3s publishes each release `vX.Y.Z+k3sN` as
 * the Docker tag `vX.Y.Z-k3sN` (tags cannot hold `+`); this is the k3s-io/k3s release
 * v1.36.1+k3s1 (Kubernetes v1.36.1, containerd v2.2.3-k3s1), the newest found when pinned.
 * Bump it deliberately: the airgap plan (`image-plan.ts`) lists it, and an offline host needs a
 * `docker save` of exactly this tag.
 */
export const K3S_IMAGE = "rancher/k3s:v1.36.1-k3s1";

/** The k3s release of K3S_IMAGE (`v1.36.1+k3s1`), whose assets hold `k3s-airgap-images-<arch>.tar.zst`. */
export const K3S_RELEASE = K3S_IMAGE.split(":")[1]!.replace(/-(k3s\d+)$/, "+$1");

/** Where k3s imports image tarballs from at startup (`.tar`, `.tar.gz`, `.tar.zst`, ...). */
export const K3S_AIRGAP_IMAGES_DIR = "/var/lib/rancher/k3s/agent/images/";

/**
 * The one place the k6 runner image is pinned: k6 v1.4.0 built with xk6-client-prometheus-remote,
 * xk6-loki and xk6-client-tracing from load/k6/Dockerfile (no published image carries all three).
 * A cluster run's k6-operator TestRuns use it (load/k6/k6-test-run.ts); an offline host needs a
 * `docker save` of exactly this tag. Bump it with the Dockerfile's versions.
 */
export const K6_RUNNER_IMAGE_DEFAULT = "localhost/obsconf/k6-xk6:v1.4.0-obsconf.1";

/**
 * No node can pull `localhost/...`: a cluster user builds load/k6/Dockerfile, pushes it to a
 * registry the nodes pull from, and names it in `OBSCONF_K6_RUNNER_IMAGE` (README, "Load on a
 * cluster"). Unset, the pinned local name is used (a k3s node fed by `--images`).
 */
export function k6RunnerImage(env: NodeJS.ProcessEnv = process.env): string {
  return env.OBSCONF_K6_RUNNER_IMAGE?.trim() || K6_RUNNER_IMAGE_DEFAULT;
}

export const K6_RUNNER_IMAGE = k6RunnerImage();
