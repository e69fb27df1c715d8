import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { COMPONENT_NAMES } from "../../components/index.ts";
import { extractComponents, type ComponentSpec } from "../../manifest/component-spec.ts";
import { loadManifests, type ManifestSet } from "../../manifest/load-manifests.ts";
import { applyOverrides, pointNewLoopbackAt, renderExtraServices } from "./harness-instruments.ts";
import { renderForTarget } from "./render.ts";

const MANIFESTS = path.resolve(import.meta.dirname, "../../manifests");
const CONFIG = "/etc/alertmanager/alertmanager.yml";
const webhook = {
  component: "alertmanager",
  describe: "receivers point at the alert sink",
  file: {
    path: CONFIG,
    transform: (text: string) => text.replace("http://alert-webhook.ecomm-prod.svc.cluster.local:8080/alerts", "http://127.0.0.1:40123/alerts"),
  },
};
const canary = {
  name: "obsconf-pull-canary",
  namespace: "ecomm-prod",
  annotations: { "prometheus.io/scrape": "true" },
  labels: { "app.kubernetes.io/part-of": "obsconf" },
  ports: [{ name: "http", host: "127.0.0.1", port: 40999 }],
};

describe("applyOverrides", () => {
  let set: ManifestSet;
  let specs: ComponentSpec[];
  beforeAll(async () => {
    set = await loadManifests(MANIFESTS);
    specs = extractComponents(set, COMPONENT_NAMES);
  });

  it("should rewrite the rendered ConfigMap key and point the loopback address it introduced at the harness host", () => {
    const rendered = renderForTarget(set, { kind: "k3s" });
    const lines = applyOverrides(rendered, specs, [webhook], { harnessHost: "172.17.0.1" });
    const config = rendered.find((o) => o.object.kind === "ConfigMap" && o.object.metadata.name === "alertmanager-config")!.object as unknown as {
      data: Record<string, string>;
    };
    expect(config.data["alertmanager.yml"]).toContain("url: http://172.17.0.1:40123/alerts");
    expect(config.data["alertmanager.yml"]).toContain("http://alert-webhook.ecomm-prod.svc.cluster.local:8080/watchdog");
    expect(lines).toEqual(["alertmanager: override: receivers point at the alert sink", `alertmanager: ${CONFIG}: 127.0.0.1:40123 -> 172.17.0.1:40123`]);
  });

  it("should rewrite container args and say when pods cannot reach the harness", () => {
    const rendered = renderForTarget(set, { kind: "cluster", namespace: "obsconf-r1", runId: "r1" });
    const lines = applyOverrides(
      rendered,
      specs,
      [{ component: "alertmanager", describe: "log level debug", args: (args) => [...args, "--log.level=debug", "--web.external-url=http://localhost:9093"] }],
      { noHostReason: "reached by port-forward" },
    );
    const sts = rendered.find((o) => o.object.kind === "StatefulSet" && o.object.metadata.name === "alertmanager")!.object as unknown as {
      spec: { template: { spec: { containers: { args: string[] }[] } } };
    };
    expect(sts.spec.template.spec.containers[0]!.args.slice(-2)).toEqual(["--log.level=debug", "--web.external-url=http://localhost:9093"]);
    expect(lines).toEqual(["alertmanager: override: log level debug", "alertmanager: args: localhost:9093 -> unreachable from pods (reached by port-forward)"]);
  });

  it("should refuse an override of a file no container mounts, naming what is mounted", () => {
    const rendered = renderForTarget(set, { kind: "k3s" });
    expect(() =>
      applyOverrides(rendered, specs, [{ component: "alertmanager", describe: "x", file: { path: "/etc/nope.yml", transform: (t) => t } }], {}),
    ).toThrow(
      `runtime override for alertmanager: no config file mounted at /etc/nope.yml (mounted: ${specs
        .find((s) => s.name === "alertmanager")!
        .container.mounts.flatMap((m) => (m.kind === "config" ? m.files.map((f) => f.path) : []))
        .join(", ")})`,
    );
  });
});

describe("pointNewLoopbackAt", () => {
  it("should leave loopback addresses the text already had", () => {
    const notes: string[] = [];
    expect(pointNewLoopbackAt("a 127.0.0.1:9090", "a 127.0.0.1:9090 b 127.0.0.1:1", { harnessHost: "10.0.0.1" }, (f, t) => notes.push(`${f}>${t}`))).toBe(
      "a 127.0.0.1:9090 b 10.0.0.1:1",
    );
    expect(notes).toEqual(["127.0.0.1:1>10.0.0.1:1"]);
  });
});

describe("renderExtraServices", () => {
  it("should render a selector-less Service and its Endpoints at the harness host", () => {
    const { objects, lines } = renderExtraServices([canary], { harnessHost: "172.17.0.1" }, (ns) => ns, { "app.kubernetes.io/managed-by": "obsconf" });
    expect(objects.map((o) => o.object)).toMatchSnapshot();
    expect(lines).toEqual([
      "harness: Service ecomm-prod/obsconf-pull-canary -> http 127.0.0.1:40999 as 172.17.0.1:40999 (the instrument must listen on an address pods reach, not loopback only)",
    ]);
  });

  it("should leave out services outside the run namespace or without a harness host, saying why", () => {
    expect(renderExtraServices([canary], { harnessHost: "10.1.1.1" }, () => undefined, {}).lines).toEqual([
      "harness: Service ecomm-prod/obsconf-pull-canary not created: namespace ecomm-prod is outside the run's namespace",
    ]);
    expect(renderExtraServices([canary], { noHostReason: "reached by port-forward" }, (ns) => ns, {})).toEqual({
      objects: [],
      lines: ["harness: Service ecomm-prod/obsconf-pull-canary not created: unreachable from pods (reached by port-forward)"],
    });
  });
});
