import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseLokiSinkArgs, runLokiSinkFromArgs } from "./run-loki-sink.ts";

describe("runLokiSinkFromArgs", () => {
  it("should parse --listen and --drop-every in both spellings", () => {
    expect(parseLokiSinkArgs(["--listen", "http=127.0.0.1:3100"])).toEqual({ host: "127.0.0.1", port: 3100 });
    expect(parseLokiSinkArgs(["--listen=http=[::1]:0", "--drop-every=100"])).toEqual({ host: "::1", port: 0, dropEvery: 100 });
  });

  it("should refuse bad arguments with what it expected and saw", () => {
    expect(() => parseLokiSinkArgs([])).toThrow(
      "command line: field obsconf sink loki: expected --listen http=HOST:PORT (obsconf sink loki --listen http=HOST:PORT [--drop-every N]), saw no --listen",
    );
    expect(() => parseLokiSinkArgs(["--listen", "127.0.0.1:3100"])).toThrow(`expected --listen http=HOST:PORT, e.g. http=127.0.0.1:3100, saw "127.0.0.1:3100"`);
    expect(() => parseLokiSinkArgs(["--listen", "http=127.0.0.1:0", "--drop-every", "0"])).toThrow(`expected --drop-every to be a positive integer, saw "0"`);
  });

  it("should print its ready line, serve, and stop when the signal aborts", async () => {
    const lines: string[] = [];
    const controller = new AbortController();
    let readyUrl: string | undefined;
    const run = runLokiSinkFromArgs(["--listen", "http=127.0.0.1:0"], {
      signal: controller.signal,
      write: (line) => {
        lines.push(line);
        readyUrl = /on (http:\S+)$/.exec(line)?.[1];
      },
    });
    for (let i = 0; i < 100 && readyUrl === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(lines).toEqual([expect.stringMatching(/^loki reference sink listening on http:\/\/127\.0\.0\.1:\d+$/)]);
    expect(await (await fetch(`${readyUrl}/ready`)).text()).toBe("ready\n");
    controller.abort();
    await expect(run).resolves.toEqual({ counters: { linesReceived: 0, bytesReceived: 0, linesDropped: 0 } });
    await expect(fetch(`${readyUrl}/ready`)).rejects.toThrow("fetch failed");
  });

  it("should stop cleanly on SIGTERM as a process", async () => {
    const entry = fileURLToPath(new URL("./run-loki-sink.ts", import.meta.url));
    const code = `const m = await import(${JSON.stringify(entry)}); await m.runLokiSinkFromArgs(process.argv.slice(1)); console.log("stopped");`;
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code, "--", "--listen", "http=127.0.0.1:0"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      let stdout = "";
      const ready = new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ready line within 20000ms (stdout so far: ${JSON.stringify(stdout)})`)), 20_000);
        child.stdout.on("data", (chunk: Buffer) => {
          stdout += chunk.toString("utf8");
          const url = /loki reference sink listening on (http:\/\/\S+)\n/.exec(stdout)?.[1];
          if (url) clearTimeout(timer), resolve(url);
        });
      });
      const exited = new Promise<number | null>((resolve) => child.on("exit", (status) => resolve(status)));
      const url = await ready;
      expect((await fetch(`${url}/ready`)).status).toBe(200);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(stdout).toBe(`loki reference sink listening on ${url}\nstopped\n`);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  });
});
