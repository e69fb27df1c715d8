// Entry of a generator worker process: TypeScript through tsx's ESM loader, as bin/obsconf.mjs does.
import { register } from "tsx/esm/api";

register();
await import("./generator-worker.ts");
