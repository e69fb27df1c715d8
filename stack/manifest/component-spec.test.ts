import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../common/errors.ts";
import { COMPONENT_NAMES } from "../components/index.ts";
import { extractComponents, type ComponentSpec } from "./component-spec.ts";
import type { Container } from "./k8s-schemas.ts";
import { loadManifests, type ManifestSet, type SourcedObject } from "./load-manifests.ts";

const MANIFESTS = path.resolve(import.meta.dirname, "../manifests");
const KUSTOMIZATION = path.join(MANIFESTS, "kustomization.yaml");
const kustomization = parse(readFileSync(KUSTOMIZATION, "utf8")) as { images: { name: string; newName?: string; newTag: string }[] };

const WORKLOAD_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet"]);
const containerOf = (o: SourcedObject) => (o.object.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers[0]!;
const dataOf = (set: ManifestSet, kind: string, name: string) => {
  const object = set.objects.find((o) => o.object.kind === kind && o.object.metadata.name === name)!.object as {
    data?: Record<string, string>;
    stringData?: Record<string, string>;
  };
  return { ...object.data, ...object.stringData };
};

describe("extractComponents on the shipped manifests", () => {
  let set: ManifestSet;
  let specs: ComponentSpec[];
  const spec = (name: string) => specs.find((s) => s.name === name)!;

  beforeAll(async () => {
    set = await loadManifests(MANIFESTS);
    specs = extractComponents(set, COMPONENT_NAMES);
  });

  it("should extract all 12 components in catalog order", () => {
    expect(COMPONENT_NAMES).toHaveLength(12);
    expect(specs.map((s) => s.name)).toEqual(COMPONENT_NAMES);
  });

  it("should take every image's version from the images list of kustomization.yaml", () => {
    const pinned = kustomization.images.map((i) => `${i.newName ?? i.name}:${i.newTag}`).sort();

    expect(specs.map((s) => s.image.ref).sort()).toEqual(pinned);
    expect(specs.map((s) => `${s.image.name}:${s.image.tag}`)).toEqual(specs.map((s) => s.image.ref));
    expect(new Set(specs.map((s) => s.image.pinnedIn))).toEqual(new Set([path.relative(process.cwd(), KUSTOMIZATION)]));
  });

  it("should keep Prometheus' 15 day retention flag from its manifest", () => {
    expect(spec("prometheus").container.args).toContain("--storage.tsdb.retention.time=15d");
  });

  it("should resolve every workload's readiness probe to one of its numeric container ports", () => {
    for (const s of specs) {
      const readiness = s.container.readiness;
      expect(readiness, s.name).toBeDefined();
      expect(readiness!.kind, s.name).not.toBe("exec");
      const port = readiness!.kind === "exec" ? undefined : readiness!.port;
      expect(
        s.container.ports.map((p) => p.containerPort),
        s.name,
      ).toContain(port);
    }
    expect(spec("prometheus").container.readiness).toEqual({ kind: "http", path: "/-/ready", port: 9090, scheme: "http" });
    expect(spec("kafka").container.readiness).toEqual({ kind: "tcp", port: 9092 });
  });

  it("should give a subPath mount exactly one file, at the mount path, holding that key", () => {
    const subPathMounts = set.objects
      .filter((o) => WORKLOAD_KINDS.has(o.object.kind))
      .flatMap((o) =>
        (containerOf(o).volumeMounts ?? [])
          .filter((m) => m.subPath !== undefined)
          .map((m) => ({ component: o.object.metadata.labels![`app.kubernetes.io/name`]!, mountPath: m.mountPath, subPath: m.subPath! })),
      );
    expect(subPathMounts.map((m) => m.component).sort()).toEqual(["alertmanager", "prometheus"]);

    for (const { component, mountPath, subPath } of subPathMounts) {
      const mount = spec(component).container.mounts.find((m) => m.mountPath === mountPath);
      expect(mount?.kind).toBe("config");
      if (mount?.kind !== "config") continue;
      expect(mount.files).toEqual([{ key: subPath, path: mountPath, content: dataOf(set, mount.from.kind, mount.from.name)[subPath] }]);
    }
  });

  it("should give a whole-volume mount one file per key under the mount path", () => {
    const rules = spec("prometheus").container.mounts.find((m) => m.mountPath === "/etc/prometheus/rules");

    expect(rules).toMatchObject({ kind: "config", from: { kind: "ConfigMap", name: "prometheus-rules" } });
    expect(rules?.kind === "config" ? rules.files.map((f) => [f.key, f.path]) : []).toEqual([
      ["seed.rules.yml", "/etc/prometheus/rules/seed.rules.yml"],
      ["stack-health.rules.yml", "/etc/prometheus/rules/stack-health.rules.yml"],
    ]);
  });

  it("should resolve Secret volumes, generating the keys the secret-generator annotation lists once per loaded set", async () => {
    const grafanaAdmin = dataOf(set, "Secret", "grafana-admin");
    expect(grafanaAdmin).toEqual({ "admin-user": "obsconf-admin" });
    expect(spec("grafana").container.env.filter((e) => e.name.startsWith("GF_SECURITY_ADMIN_"))).toEqual([
      { name: "GF_SECURITY_ADMIN_USER__FILE", value: "/etc/grafana/secrets/admin-user" },
      { name: "GF_SECURITY_ADMIN_PASSWORD__FILE", value: "/etc/grafana/secrets/admin-password" },
    ]);
    const admin = spec("grafana").container.mounts.find((m) => m.mountPath === "/etc/grafana/secrets");
    const files = admin?.kind === "config" ? Object.fromEntries(admin.files.map((f) => [f.path, f.content])) : {};
    expect(files["/etc/grafana/secrets/admin-user"]).toBe("obsconf-admin");
    const password = files["/etc/grafana/secrets/admin-password"]!;
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const again = extractComponents(set, COMPONENT_NAMES)
      .find((s) => s.name === "grafana")!
      .container.mounts.find((m) => m.mountPath === "/etc/grafana/secrets");
    expect(again?.kind === "config" ? again.files.find((f) => f.key === "admin-password")?.content : undefined).toBe(password);
    const other = extractComponents(await loadManifests(MANIFESTS), COMPONENT_NAMES)
      .find((s) => s.name === "grafana")!
      .container.mounts.find((m) => m.mountPath === "/etc/grafana/secrets");
    expect(other?.kind === "config" ? other.files.find((f) => f.key === "admin-password")?.content : undefined).not.toBe(password);
    const secrets = spec("alertmanager").container.mounts.find((m) => m.mountPath === "/etc/alertmanager/secrets");
    expect(secrets?.kind === "config" ? Object.fromEntries(secrets.files.map((f) => [f.key, f.content])) : {}).toEqual(
      dataOf(set, "Secret", "alertmanager-secrets"),
    );
  });

  it("should decode base64 Secret data to the values stringData gives", () => {
    const encoded: ManifestSet = {
      ...set,
      objects: set.objects.map((o) => {
        if (o.object.kind !== "Secret") return o;
        const { stringData, ...rest } = o.object as typeof o.object & { stringData: Record<string, string> };
        const data = Object.fromEntries(Object.entries(stringData).map(([k, v]) => [k, Buffer.from(v, "utf8").toString("base64")]));
        return { ...o, object: { ...rest, data } };
      }),
    };
    expect(encoded.objects.filter((o) => o.object.kind === "Secret" && "stringData" in o.object)).toEqual([]);

    const decoded = extractComponents(encoded, COMPONENT_NAMES);
    // Another set: its generated keys get their own values; everything else decodes to the same.
    const withoutGenerated = (mounts: ComponentSpec["container"]["mounts"]) =>
      mounts.map((m) => (m.kind === "config" ? { ...m, files: m.files.filter((f) => f.key !== "admin-password") } : m));

    for (const name of ["grafana", "alertmanager"]) {
      expect(decoded.find((s) => s.name === name)!.container.env).toEqual(spec(name).container.env);
      expect(withoutGenerated(decoded.find((s) => s.name === name)!.container.mounts)).toEqual(withoutGenerated(spec(name).container.mounts));
    }
  });

  it("should resolve every Service targetPort name to the selected container's port number", () => {
    for (const s of specs) {
      expect(s.services.length, s.name).toBeGreaterThan(0);
      for (const port of s.services.flatMap((svc) => svc.ports)) {
        const named = s.container.ports.find((p) => p.name === port.targetPortName);
        expect(named?.containerPort, `${s.name} ${port.name}`).toBe(port.targetPort);
      }
    }
    expect(spec("tempo").services.map((svc) => svc.ports)).toEqual([
      [
        { name: "http", port: 3200, targetPort: 3200, targetPortName: "http" },
        { name: "grpc", port: 9095, targetPort: 9095, targetPortName: "grpc" },
        { name: "otlp-grpc", port: 4317, targetPort: 4317, targetPortName: "otlp-grpc" },
        { name: "otlp-http", port: 4318, targetPort: 4318, targetPortName: "otlp-http" },
      ],
    ]);
  });

  it("should reject a workload whose component label is not in the catalog given", () => {
    const error = (() => {
      try {
        extractComponents(set, ["prometheus"]);
        return undefined;
      } catch (e) {
        return e;
      }
    })();

    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toBe(
      `${path.relative(process.cwd(), path.join(MANIFESTS, "alertmanager.yaml"))}: document 3 (StatefulSet monitoring/alertmanager): field metadata.labels["app.kubernetes.io/name"]: expected one of prometheus, saw "alertmanager"`,
    );
  });
});
