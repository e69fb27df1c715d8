import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { dskitListenArgs, dskitListenConfig } from "./dskit-listen-args.ts";
import { loki } from "./loki.ts";
import { mimir } from "./mimir.ts";
import { promtail } from "./promtail.ts";
import { tempo } from "./tempo.ts";

const ARGS = ["-config.file=/run/loki.yaml", "-target=all", "-server.http-listen-port=41234", "-server.grpc-listen-port=41235"];

describe("dskitListenArgs", () => {
  it("should bind the HTTP and gRPC servers to the loopback host the runtime listens on", () => {
    expect(dskitListenArgs(ARGS, { listenHost: "127.0.0.1", inNamespace: false })).toEqual([
      ...ARGS,
      "-server.http-listen-address=127.0.0.1",
      "-server.grpc-listen-address=127.0.0.1",
    ]);
  });

  it("should keep an address the manifest's args already set, in either flag spelling", () => {
    const args = [...ARGS, "--server.http-listen-address=10.0.0.1"];
    expect(dskitListenArgs(args, { listenHost: "127.0.0.1", inNamespace: false })).toEqual([...args, "-server.grpc-listen-address=127.0.0.1"]);
  });

  it("should leave the args alone in a network namespace, where the component reaches its own gRPC server on 127.0.0.1", () => {
    expect(dskitListenArgs(ARGS, { listenHost: "10.200.3.2", inNamespace: true })).toEqual(ARGS);
  });

  it.each([loki, promtail, mimir])("should be how $name's local process is started", (def) => {
    expect(def.localArgv?.({} as never, ARGS, { listenHost: "127.0.0.1", inNamespace: false })).toContain("-server.http-listen-address=127.0.0.1");
  });
});

describe("dskitListenConfig (Tempo, which has no listen-address flags)", () => {
  const TEMPO_YAML = "server:\n  log_level: info\ndistributor:\n  receivers: {}\n";

  it("should add both listen addresses to the server block and say so", () => {
    const notes: string[] = [];
    const out = dskitListenConfig(TEMPO_YAML, { listen: { listenHost: "127.0.0.1", inNamespace: false }, note: (line) => notes.push(line) });
    expect(parse(out)).toEqual({
      server: { log_level: "info", http_listen_address: "127.0.0.1", grpc_listen_address: "127.0.0.1" },
      distributor: { receivers: {} },
    });
    expect(notes).toEqual(["server: http_listen_address: 127.0.0.1, grpc_listen_address: 127.0.0.1 (the servers listen on loopback, not every interface)"]);
  });

  it("should keep the config as written in a network namespace, or when no process is started", () => {
    expect(dskitListenConfig(TEMPO_YAML, { listen: { listenHost: "10.200.3.2", inNamespace: true }, note: () => {} })).toBe(TEMPO_YAML);
    expect(dskitListenConfig(TEMPO_YAML, { note: () => {} })).toBe(TEMPO_YAML);
  });

  it("should be how tempo's config file is rendered", () => {
    const out = tempo.adaptConfigFile!({ path: "/etc/tempo/tempo.yaml", content: TEMPO_YAML } as never, {
      services: [],
      pods: [],
      podLogDir: "/x",
      listen: { listenHost: "127.0.0.1", inNamespace: false },
      note: () => {},
    });
    expect((parse(out) as { server: Record<string, string> }).server.grpc_listen_address).toBe("127.0.0.1");
  });
});
