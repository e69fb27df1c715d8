import { describe, expect, it } from "vitest";
import { InputError } from "../common/errors.ts";
import { formatFaultSpec, parseFaultSpec } from "./fault-spec.ts";

const at = { file: "--fault" };

describe("parseFaultSpec", () => {
  it("should parse each kind with its argument", () => {
    expect(parseFaultSpec("kill:prometheus", at)).toEqual({ kind: "kill", component: "prometheus", params: {} });
    expect(parseFaultSpec("delay:prometheus:200ms", at)).toEqual({ kind: "delay", component: "prometheus", params: { delayMs: 200 } });
    expect(parseFaultSpec("loss:loki@http:30%", at)).toEqual({ kind: "loss", component: "loki", port: "http", params: { lossPercent: 30 } });
    expect(parseFaultSpec("http-error:prometheus:429", at)).toEqual({ kind: "http-error", component: "prometheus", params: { status: 429 } });
    expect(parseFaultSpec("http-error:prometheus", at).params).toEqual({ status: 503 });
    expect(parseFaultSpec("disk-full:prometheus:16MiB", at).params).toEqual({ tmpfsBytes: 16 * 1024 * 1024 });
    expect(parseFaultSpec("disk-full:prometheus", at).params).toEqual({ tmpfsBytes: 64 * 1024 * 1024 });
  });

  it("should round-trip through formatFaultSpec", () => {
    for (const text of [
      "kill:prometheus",
      "delay:prometheus:250ms",
      "loss:prometheus@web:12.5%",
      "http-error:prometheus:500",
      "ack-drop:prometheus",
      "partition:alertmanager",
      "disk-full:prometheus:64MiB",
      "disk-full:prometheus:1GiB",
    ]) {
      expect(formatFaultSpec(parseFaultSpec(text, at))).toBe(text);
    }
  });

  it.each([
    [
      "explode:prometheus",
      '--fault: expected a fault kind (kill, pause, restart-keep-data, restart-lose-data, delay, loss, partition, http-error, ack-drop, disk-full), saw "explode"',
    ],
    ["kill", '--fault: expected kind:component[@port][:argument] (e.g. kill:prometheus, delay:prometheus:200ms), saw "kill"'],
    ["delay:prometheus", '--fault: expected delay:component:<duration, e.g. 200ms>, saw "delay:prometheus"'],
    ["delay:prometheus:fast", '--fault: expected a delay between 1ms and 10m (e.g. 200ms, 2s), saw "fast"'],
    ["loss:prometheus:0%", '--fault: expected a loss percentage above 0 and at most 100 (e.g. 30%), saw "0%"'],
    ["loss:prometheus:150", '--fault: expected a loss percentage above 0 and at most 100 (e.g. 30%), saw "150"'],
    ["http-error:prometheus:404", '--fault: expected an HTTP status to inject (429, 500, 503), saw "404"'],
    ["kill:prometheus:now", '--fault: expected kill:component with no argument, saw "kill:prometheus:now"'],
    ["kill:Prometheus", '--fault: expected a component name (lowercase, e.g. prometheus) optionally followed by @port-name, saw "Prometheus"'],
    ["disk-full:prometheus:1KiB", '--fault: expected a tmpfs size between 1MiB and 8GiB (e.g. 64MiB), saw "1KiB"'],
  ])("should reject %s with an InputError naming what was expected", (text, message) => {
    const parse = () => parseFaultSpec(text, at);
    expect(parse).toThrow(InputError);
    expect(parse).toThrow(message);
  });
});
