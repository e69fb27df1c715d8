import type { ImagePin } from "../../manifest/load-manifests.ts";

/** An image reference split as a container engine reads it: `name[:tag][@digest]`. */
export interface ImageRef {
  name: string;
  tag?: string;
  digest?: string;
}

export function parseImageRef(ref: string): ImageRef {
  const at = ref.indexOf("@");
  const digest = at >= 0 ? ref.slice(at + 1) : undefined;
  const withoutDigest = at >= 0 ? ref.slice(0, at) : ref;
  const colon = withoutDigest.lastIndexOf(":");
  const hasTag = colon > withoutDigest.lastIndexOf("/");
  return {
    name: hasTag ? withoutDigest.slice(0, colon) : withoutDigest,
    ...(hasTag ? { tag: withoutDigest.slice(colon + 1) } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

/**
 * The kustomization's `images:` pins, as `kubectl apply -k` applies them: a container image whose
 * name equals a pin's `name` becomes `newName:newTag` (or `name:newTag`); others are unchanged.
 */
export function applyImagePin(image: string, pins: readonly ImagePin[]): string {
  const parsed = parseImageRef(image);
  const pin = pins.find((p) => p.name === parsed.name);
  return pin ? `${pin.newName ?? parsed.name}:${pin.newTag}` : image;
}

/**
 * The fully qualified form containerd and `docker save` archives use, so that `grafana/loki:3.5.0`,
 * `docker.io/grafana/loki:3.5.0` and `index.docker.io/grafana/loki:3.5.0` compare equal.
 */
export function normalizeImageRef(ref: string): string {
  const { name, tag, digest } = parseImageRef(ref);
  const slash = name.indexOf("/");
  const first = slash >= 0 ? name.slice(0, slash) : "";
  const hasDomain = slash >= 0 && (first.includes(".") || first.includes(":") || first === "localhost");
  let domain = hasDomain ? first : "docker.io";
  let path = hasDomain ? name.slice(slash + 1) : name;
  if (domain === "index.docker.io") domain = "docker.io";
  if (domain === "docker.io" && !path.includes("/")) path = `library/${path}`;
  const suffix = digest !== undefined && tag === undefined ? `@${digest}` : `:${tag ?? "latest"}`;
  return `${domain}/${path}${suffix}`;
}
