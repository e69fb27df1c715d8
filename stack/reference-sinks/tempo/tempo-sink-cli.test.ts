import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { request } from "undici";
import { describe, expect, it } from "vitest";
import { parseTempoSinkArgs, runTempoSinkFromArgs } from "./tempo-sink-cli.ts";

const LISTEN = ["--listen", "http=127.0.0.1:0", "--listen", "otlp-grpc=127.0.0.1:0", "--listen=otlp-http=127.0.0.1:0"];
const READY = /^tempo reference sink listening on http=(http:\/\/127\.0\.0\.1:\d+) otlp-grpc=(127\.0\.0\.1:\d+) otlp-http=(http:\/\/127\.0\.0\.1:\d+)$/;

describe("obsconf sink tempo", () => {
  it("should parse the manifest's port names, the drop control and the span limit", () => {
    expect(parseTempoSinkArgs([...LISTEN, "--drop-span-every", "3", "--max-spans=1000"])).toEqual({
      host: "127.0.0.1",
      httpPort: 0,
      grpcPort: 0,
      otlpHttpPort: 0,
      dropSpanEvery: 3,
      maxSpans: 1000,
    });
  });

  it("should reject a missing or unknown listen name and a bad count with the usage", () => {
    const usage =
      "(usage: obsconf sink tempo --listen http=127.0.0.1:3200 --listen otlp-grpc=127.0.0.1:4317 --listen otlp-http=127.0.0.1:4318 [--drop-span-every N] [--max-spans N])";
    expect(() => parseTempoSinkArgs(LISTEN.slice(0, 4))).toThrow(
      `command line: field --listen: expected --listen for http, otlp-grpc, otlp-http ${usage}, saw none for otlp-http`,
    );
    expect(() => parseTempoSinkArgs([...LISTEN, "--listen", "grpc=127.0.0.1:9095"])).toThrow(
      `command line: field --listen: expected one of http, otlp-grpc, otlp-http ${usage}, saw "grpc"`,
    );
    expect(() => parseTempoSinkArgs([...LISTEN, "--drop-span-every", "0"])).toThrow(
      `command line: field --drop-span-every: expected a positive integer ${usage}, saw "0"`,
    );
    expect(() => parseTempoSinkArgs([...LISTEN, "--verbose"])).toThrow(
      `command line: field --verbose: expected --listen, --drop-span-every or --max-spans ${usage}, saw "--verbose"`,
    );
  });

  it("should print the ready line with the bound ports and stop when its signal fires", async () => {
    const lines: string[] = [];
    const stop = new AbortController();
    const running = runTempoSinkFromArgs(LISTEN, {
      signal: stop.signal,
      stdout: {
        write: (text: string) => {
          lines.push(text);
          if (READY.test(text.trim())) stop.abort();
        },
      },
    });
    const stopped = await running;
    expect(lines[0]?.trimEnd()).toMatch(READY);
    expect(lines[1]).toBe("tempo reference sink stopped (0 spans received, 0 dropped)\n");
    expect(stopped.counters.spansReceived).toBe(0);
  });

  it("should serve from its own process and exit 0 on SIGTERM with every port closed", async () => {
    const main = fileURLToPath(new URL("./tempo-sink-main.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", main, ...LISTEN], { stdio: ["ignore", "pipe", "pipe"] });
    try {
      const lines = createInterface({ input: child.stdout! });
      const ready = await new Promise<RegExpExecArray>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no ready line within 20000ms")), 20_000);
        lines.on("line", (line) => {
          const m = READY.exec(line);
          if (m) {
            clearTimeout(timer);
            resolve(m);
          }
        });
        child.once("exit", (code) => reject(new Error(`sink exited with ${code} before its ready line`)));
      });
      const echo = await request(`${ready[1]}/api/echo`);
      expect([echo.statusCode, await echo.body.text()]).toEqual([200, "echo\n"]);
      const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      child.kill("SIGTERM");
      expect(await exit).toBe(0);
      await expect(request(`${ready[1]}/ready`)).rejects.toThrow(/ECONNREFUSED/);
      await expect(request(`${ready[3]}/v1/traces`, { method: "POST" })).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
