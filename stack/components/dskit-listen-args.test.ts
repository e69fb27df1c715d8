import { describe, expect, it } from "vitest";
import { dskitListenArgs } from "./dskit-listen-args.ts";
import { loki } from "./loki.ts";
import { mimir } from "./mimir.ts";
import { promtail } from "./promtail.ts";
import { tempo } from "./tempo.ts";

const ARGS = ["-config.file=/run/loki.yaml", "-target=all", "-server.http-listen-port=41234", "-server.grpc-listen-port=41235"];

describe("dskitListenArgs", () => {
  it("should bind the HTTP and gRPC servers to the loopback host the runtime listens on", () => {
    expect(dskitListenArgs(ARGS, { listenHost: "127.0.0.1", inNamespace: false })).toEqual([
      ...ARGS, "-server.http-listen-address=127.0.0.1", "-server.grpc-listen-address=127.0.0.1",
    ]);
  });

  it("should keep an address the manifest's args already set, in either flag spelling", () => {
    const args = [...ARGS, "--server.http-listen-address=10.0.0.1"];
    expect(dskitListenArgs(args, { listenHost: "127.0.0.1", inNamespace: false })).toEqual([...args, "-server.grpc-listen-address=127.0.0.1"]);
  });

  it("should leave the args alone in a network namespace, where the component reaches its own gRPC server on 127.0.0.1", () => {
    expect(dskitListenArgs(ARGS, { listenHost: "10.200.3.2", inNamespace: true })).toEqual(ARGS);
  });

  it.each([loki, promtail, tempo, mimir])("should be how $name's local process is started", (def) => {
    expect(def.localArgv?.({} as never, ARGS, { listenHost: "127.0.0.1", inNamespace: false })).toContain("-server.http-listen-address=127.0.0.1");
  });
});
