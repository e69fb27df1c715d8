import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../common/clock.ts";
import { createPodLogFileTransport, formatRfc3339Nano } from "./file-transport.ts";

const POD = { namespace: "ecomm-prod", pod: "checkout-7d4b9c-x2x9q", uid: "0f4a3c2e-1b2d-4e5f-8a9b-0c1d2e3f4a5b", container: "checkout" };
let rootDir: string;
beforeEach(async () => void (rootDir = await mkdtemp(join(tmpdir(), "obsconf-podlog-"))));
afterEach(async () => rm(rootDir, { recursive: true, force: true }));

describe("createPodLogFileTransport", () => {
  it("should append CRI lines to <root>/var/log/pods/<ns>_<pod>_<uid>/<container>/0.log", async () => {
    const clock = new ManualClock(1_795_555_374_435);
    await using transport = createPodLogFileTransport({ rootDir, ...POD, clock });
    expect(transport.path).toBe(join(rootDir, "var/log/pods/ecomm-prod_checkout-7d4b9c-x2x9q_0f4a3c2e-1b2d-4e5f-8a9b-0c1d2e3f4a5b/checkout/0.log"));
    expect(await transport.appendLines(['level=info service=checkout msg="order placed"', "two\nlines"])).toEqual({ kind: "ok", status: 0 });
    clock.advance(565);
    expect(await transport.send(new TextEncoder().encode("from send é\nlast\n"), 1_000)).toEqual({ kind: "ok", status: 0 });
    expect(await transport.appendLines(["exact ns"], 1_795_555_375_000_000_001n)).toEqual({ kind: "ok", status: 0 });
    expect(await readFile(transport.path, "utf8")).toBe(
      [
        '2026-11-24T21:22:54.435Z stdout F level=info service=checkout msg="order placed"',
        "2026-11-24T21:22:54.435Z stdout F two",
        "2026-11-24T21:22:54.435Z stdout F lines",
        "2026-11-24T21:22:55Z stdout F from send é",
        "2026-11-24T21:22:55Z stdout F last",
        "2026-11-24T21:22:55.000000001Z stdout F exact ns",
        "",
      ].join("\n"),
    );
  });

  it("should write stderr to <restartCount>.log and keep appending across transports", async () => {
    const clock = new ManualClock(0);
    await createPodLogFileTransport({ rootDir, ...POD, stream: "stderr", restartCount: 2, clock }).appendLines(["a"]);
    await using again = createPodLogFileTransport({ rootDir, ...POD, stream: "stderr", restartCount: 2, clock });
    await again.appendLines(["b"]);
    expect(again.path.endsWith("/checkout/2.log")).toBe(true);
    expect(await readFile(again.path, "utf8")).toBe("1970-01-01T00:00:00Z stderr F a\n1970-01-01T00:00:00Z stderr F b\n");
  });

  it("should return retryable with the error when the file cannot be written, recover once it can, and throw after close()", async () => {
    await writeFile(join(rootDir, "var"), ""); // a file where the directory must go: fails for root too
    const transport = createPodLogFileTransport({ rootDir, ...POD });
    const dir = join(rootDir, "var/log/pods/ecomm-prod_checkout-7d4b9c-x2x9q_0f4a3c2e-1b2d-4e5f-8a9b-0c1d2e3f4a5b/checkout");
    expect(await transport.appendLines(["x"])).toEqual({
      kind: "retryable",
      reason: `file write to ${transport.path} failed: ENOTDIR: not a directory, mkdir '${dir}'`,
    });
    await rm(join(rootDir, "var"));
    expect(await transport.appendLines(["recovered"], 0n)).toEqual({ kind: "ok", status: 0 });
    expect(await readFile(transport.path, "utf8")).toBe("1970-01-01T00:00:00Z stdout F recovered\n");
    await transport.close();
    await expect(transport.appendLines(["x"])).rejects.toThrow(`pod log file ${transport.path} used after close()`);
  });

  it("should refuse path segments that are not Kubernetes names", () => {
    expect(() => createPodLogFileTransport({ rootDir, ...POD, pod: "../etc" })).toThrow(
      `pod log file: expected pod to be a DNS-1123 name (lowercase alphanumerics, '-', '.'), saw "../etc"`,
    );
  });
});

describe("formatRfc3339Nano", () => {
  it("should trim trailing zeros of the fraction as Go's RFC3339Nano does", () => {
    expect(formatRfc3339Nano(1_795_555_374_435_000_000n)).toBe("2026-11-24T21:22:54.435Z");
    expect(formatRfc3339Nano(1_795_555_374_000_000_000n)).toBe("2026-11-24T21:22:54Z");
    expect(formatRfc3339Nano(1_795_555_374_123_456_789n)).toBe("2026-11-24T21:22:54.123456789Z");
    expect(() => formatRfc3339Nano(-1n)).toThrow("RFC3339Nano: expected a time at or after the epoch, saw -1 ns");
  });
});
