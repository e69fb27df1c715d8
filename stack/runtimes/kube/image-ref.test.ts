import { describe, expect, it } from "vitest";
import { k6RunnerImage } from "./versions.ts";
import { applyImagePin, normalizeImageRef, parseImageRef } from "./image-ref.ts";

describe("image references", () => {
  it("should split name, tag and digest, keeping a registry port in the name", () => {
    expect(parseImageRef("localhost:5000/grafana/loki:3.5.0")).toEqual({ name: "localhost:5000/grafana/loki", tag: "3.5.0" });
    expect(parseImageRef("localhost:5000/grafana/loki")).toEqual({ name: "localhost:5000/grafana/loki" });
    expect(parseImageRef("busybox@sha256:abcd")).toEqual({ name: "busybox", digest: "sha256:abcd" });
  });

  it("should pin untagged and tagged images by exact name, with newName when given", () => {
    const pins = [
      { name: "grafana/loki", newTag: "3.5.0" },
      { name: "apache/kafka", newName: "mirror.local/kafka", newTag: "4.0.0" },
    ];
    expect(applyImagePin("grafana/loki", pins)).toBe("grafana/loki:3.5.0");
    expect(applyImagePin("grafana/loki:2.9.0", pins)).toBe("grafana/loki:3.5.0");
    expect(applyImagePin("apache/kafka", pins)).toBe("mirror.local/kafka:4.0.0");
    expect(applyImagePin("grafana/lokix", pins)).toBe("grafana/lokix");
  });

  it("should normalize Docker Hub short names the way archives record them", () => {
    expect(normalizeImageRef("grafana/loki:3.5.0")).toBe("docker.io/grafana/loki:3.5.0");
    expect(normalizeImageRef("index.docker.io/grafana/loki:3.5.0")).toBe("docker.io/grafana/loki:3.5.0");
    expect(normalizeImageRef("busybox")).toBe("docker.io/library/busybox:latest");
    expect(normalizeImageRef("quay.io/prometheus/prometheus:v3.5.0")).toBe("quay.io/prometheus/prometheus:v3.5.0");
  });
});

describe("k6RunnerImage", () => {
  it("should use the image a cluster user pushed, named in OBSCONF_K6_RUNNER_IMAGE, and the pinned local name otherwise", () => {
    expect(k6RunnerImage({ OBSCONF_K6_RUNNER_IMAGE: "registry.example.com/team/k6-xk6:v1.4.0-obsconf.1" })).toBe(
      "registry.example.com/team/k6-xk6:v1.4.0-obsconf.1",
    );
    expect(k6RunnerImage({})).toBe("localhost/obsconf/k6-xk6:v1.4.0-obsconf.1");
  });
});
