/**
 * A streaming reader for the few small files of an image archive (`manifest.json`, `index.json`):
 * layer blobs are skipped, never buffered, so a multi-gigabyte `docker save` tarball is read in
 * constant memory. Understands ustar names (with prefix), GNU long names and pax `path` records.
 */
const BLOCK = 512;

export async function readTarFiles(
  chunks: AsyncIterable<Uint8Array>,
  wanted: (name: string) => boolean,
  maxFileBytes = 16 * 1024 * 1024,
): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  const header = Buffer.alloc(BLOCK);
  let headerFill = 0;
  let skip = 0;
  let collect: { name: string; type: string; data: Buffer; fill: number; pad: number } | undefined;
  let nextName: string | undefined;
  let ended = false;
  for await (const chunk of chunks) {
    let offset = 0;
    while (offset < chunk.length && !ended) {
      if (skip > 0) {
        const n = Math.min(skip, chunk.length - offset);
        skip -= n;
        offset += n;
      } else if (collect) {
        const n = Math.min(collect.data.length - collect.fill, chunk.length - offset);
        Buffer.from(chunk.buffer, chunk.byteOffset + offset, n).copy(collect.data, collect.fill);
        collect.fill += n;
        offset += n;
        if (collect.fill === collect.data.length) {
          if (collect.type === "L") nextName = cString(collect.data);
          else if (collect.type === "x") nextName = paxPath(collect.data) ?? nextName;
          else found.set(collect.name, collect.data);
          skip = collect.pad;
          collect = undefined;
        }
      } else {
        const n = Math.min(BLOCK - headerFill, chunk.length - offset);
        Buffer.from(chunk.buffer, chunk.byteOffset + offset, n).copy(header, headerFill);
        headerFill += n;
        offset += n;
        if (headerFill < BLOCK) continue;
        headerFill = 0;
        if (header.every((byte) => byte === 0)) {
          ended = true;
          break;
        }
        const size = parseSize(header.subarray(124, 136));
        const type = String.fromCharCode(header[156]!) || "0";
        const name = normalize(nextName ?? ustarName(header));
        const pad = (BLOCK - (size % BLOCK)) % BLOCK;
        const meta = type === "L" || type === "x";
        if (!meta) nextName = undefined;
        if ((meta || ((type === "0" || type === "\0") && wanted(name))) && size <= maxFileBytes) {
          collect = { name, type, data: Buffer.alloc(size), fill: 0, pad };
          if (size === 0) {
            if (!meta) found.set(name, collect.data);
            collect = undefined;
            skip = pad;
          }
        } else {
          skip = size + pad;
        }
      }
    }
  }
  return found;
}

function ustarName(header: Buffer): string {
  const name = cString(header.subarray(0, 100));
  const magic = header.subarray(257, 262).toString("latin1");
  const prefix = magic === "ustar" ? cString(header.subarray(345, 500)) : "";
  return prefix ? `${prefix}/${name}` : name;
}

function cString(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end < 0 ? bytes.length : end).toString("utf8");
}

/** Octal, or base-256 (high bit set) for sizes of 8 GiB and more. */
function parseSize(field: Buffer): number {
  if (field[0]! & 0x80) return field.subarray(1).reduce((value, byte) => value * 256 + byte, field[0]! & 0x7f);
  const text = cString(field).trim();
  return text === "" ? 0 : parseInt(text, 8);
}

function paxPath(data: Buffer): string | undefined {
  for (const record of data.toString("utf8").split("\n")) {
    const match = /^\d+ path=(.*)$/.exec(record);
    if (match) return match[1];
  }
  return undefined;
}

function normalize(name: string): string {
  return name.replace(/^(\.\/)+/, "");
}
