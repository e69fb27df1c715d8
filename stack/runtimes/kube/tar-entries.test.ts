import { describe, expect, it } from "vitest";
import { fakeTar } from "./fake-tar.ts";
import { readTarFiles } from "./tar-entries.ts";

async function* inChunks(buffer: Buffer, size: number): AsyncIterable<Uint8Array> {
  for (let offset = 0; offset < buffer.length; offset += size) yield buffer.subarray(offset, offset + size);
}

const archive = fakeTar([
  { name: "blobs/", content: "", type: "5" },
  { name: "blobs/sha256/aaaa", content: Buffer.alloc(70_000, 1) },
  { name: "./manifest.json", content: "[]" },
  { name: "././@LongLink", content: `${"d/".repeat(60)}index.json\0`, type: "L" },
  { name: "truncated-name", content: '{"manifests":[]}' },
  { name: "PaxHeaders/x", content: "22 path=pax/path.json\n", type: "x" },
  { name: "short", content: "pax" },
  { name: "empty.json", content: "" },
]);

describe("readTarFiles", () => {
  it("should return the wanted files, whatever the chunk boundaries", async () => {
    for (const size of [1, 511, 512, 4096, archive.length]) {
      const files = await readTarFiles(inChunks(archive, size), (name) => name.endsWith(".json"));
      expect(Object.fromEntries([...files].map(([name, data]) => [name, data.toString()]))).toEqual({
        "manifest.json": "[]",
        [`${"d/".repeat(60)}index.json`]: '{"manifests":[]}',
        "pax/path.json": "pax",
        "empty.json": "",
      });
    }
  });

  it("should skip files larger than the limit without buffering them", async () => {
    const files = await readTarFiles(inChunks(archive, 1000), () => true, 10_000);
    expect([...files.keys()]).not.toContain("blobs/sha256/aaaa");
    expect(files.get("manifest.json")?.toString()).toBe("[]");
  });

  it("should stop at the end-of-archive blocks and ignore trailing bytes", async () => {
    const padded = Buffer.concat([fakeTar([{ name: "manifest.json", content: "[1]" }]), Buffer.from("garbage after the end")]);
    const files = await readTarFiles(inChunks(padded, 100), () => true);
    expect([...files.keys()]).toEqual(["manifest.json"]);
  });
});
