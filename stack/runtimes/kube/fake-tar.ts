/**
 * Test support: writes a ustar archive in memory (what `docker save` produces, minus real layers),
 * so the archive reader is tested without a container engine or registry. Not used at runtime.
 */
export interface FakeTarEntry {
  name: string;
  content: string | Buffer;
  /** `0` file (default), `5` directory, `L` GNU long name, `x` pax header. */
  type?: "0" | "5" | "L" | "x";
}

export function fakeTar(entries: readonly FakeTarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const data = typeof entry.content === "string" ? Buffer.from(entry.content) : entry.content;
    blocks.push(header(entry.name, data.length, entry.type ?? "0"), data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** A `docker save` style manifest.json naming `repoTags`. */
export function dockerManifest(repoTags: readonly string[]): string {
  return JSON.stringify([{ Config: "blobs/sha256/0000", RepoTags: repoTags, Layers: ["blobs/sha256/1111"] }]);
}

/** An OCI index.json whose manifests carry containerd's image name annotation. */
export function ociIndex(names: readonly string[]): string {
  return JSON.stringify({
    schemaVersion: 2,
    manifests: names.map((name) => ({
      mediaType: "application/vnd.oci.image.index.v1+json",
      digest: "sha256:2222",
      size: 1,
      annotations: { "io.containerd.image.name": name, "org.opencontainers.image.ref.name": name.split(":").pop() },
    })),
  });
}

function header(name: string, size: number, type: string): Buffer {
  const block = Buffer.alloc(512);
  block.write(name.slice(0, 100), 0, "utf8");
  block.write("0000644\0", 100, "latin1");
  block.write("0000000\0", 108, "latin1");
  block.write("0000000\0", 116, "latin1");
  block.write(`${size.toString(8).padStart(11, "0")}\0`, 124, "latin1");
  block.write("00000000000\0", 136, "latin1");
  block.write(type, 156, "latin1");
  block.write("ustar\0", 257, "latin1");
  block.write("00", 263, "latin1");
  block.fill(" ", 148, 156);
  const checksum = block.reduce((sum, byte) => sum + byte, 0);
  block.write(`${checksum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
  return block;
}
