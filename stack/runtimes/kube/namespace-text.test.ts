import { describe, expect, it } from "vitest";
import { rewriteSdNamespaces, rewriteServiceDns } from "./namespace-text.ts";

const SERVICES = ["loki", "prometheus", "kafka"];
const dns = (text: string) => rewriteServiceDns(text, SERVICES, "monitoring", "obsconf-r1");

describe("rewriteServiceDns", () => {
  it("should rewrite the three in-cluster forms of a known Service", () => {
    expect(dns("http://loki.monitoring.svc.cluster.local:3100/loki/api/v1/push")).toBe("http://loki.obsconf-r1.svc.cluster.local:3100/loki/api/v1/push");
    expect(dns("prometheus.monitoring.svc:9090")).toBe("prometheus.obsconf-r1.svc:9090");
    expect(dns("url: http://loki.monitoring:3100")).toBe("url: http://loki.obsconf-r1:3100");
    expect(dns("PLAINTEXT://kafka.monitoring.svc.cluster.local:9092")).toBe("PLAINTEXT://kafka.obsconf-r1.svc.cluster.local:9092");
    expect(dns("kafka-0.kafka.monitoring.svc")).toBe("kafka-0.kafka.obsconf-r1.svc");
  });

  it("should leave partial matches alone", () => {
    for (const text of [
      "xloki.monitoring.svc",
      "loki-canary.monitoring.svc",
      "loki.monitoring-2.svc",
      "loki.monitoring.svcx",
      "loki.monitoring.svc.cluster.localhost",
      "loki.monitoring.example.com",
      "grafana.monitoring.svc",
      "job_name: monitoring-services",
      "names: [monitoring]",
    ])
      expect(dns(text)).toBe(text);
  });
});

describe("rewriteSdNamespaces", () => {
  it("should rewrite the stack's namespace in flow-style names lists only", () => {
    const config = [
      "scrape_configs:",
      "  - job_name: monitoring-services",
      "    kubernetes_sd_configs:",
      "      - role: endpoints",
      "        namespaces:",
      "          names: [monitoring]",
      "  - job_name: two",
      "    kubernetes_sd_configs:",
      "      - namespaces:",
      "          own_namespace: false",
      '          names: [ecomm-prod, "monitoring", monitoring-2]',
      "        role: pod",
      "    relabel_configs:",
      "      - names: [monitoring]",
    ].join("\n");
    expect(rewriteSdNamespaces(config, "monitoring", "obsconf-r1").split("\n")).toEqual([
      "scrape_configs:",
      "  - job_name: monitoring-services",
      "    kubernetes_sd_configs:",
      "      - role: endpoints",
      "        namespaces:",
      "          names: [obsconf-r1]",
      "  - job_name: two",
      "    kubernetes_sd_configs:",
      "      - namespaces:",
      "          own_namespace: false",
      '          names: [ecomm-prod, "obsconf-r1", monitoring-2]',
      "        role: pod",
      "    relabel_configs:",
      "      - names: [monitoring]",
    ]);
  });

  it("should rewrite block-style names lists and stop at the list's end", () => {
    const config = "namespaces:\n  names:\n    - ecomm-prod\n    # the stack\n    - monitoring\n  other:\n    - monitoring\n";
    expect(rewriteSdNamespaces(config, "monitoring", "obsconf-r1")).toBe(
      "namespaces:\n  names:\n    - ecomm-prod\n    # the stack\n    - obsconf-r1\n  other:\n    - monitoring\n",
    );
  });
});
