// `npm run schema`: writes reports/run-result.schema.json from the zod definition in assertions/run-result.ts.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { generateRunResultSchema, RUN_RESULT_SCHEMA_URL } from "../reports/run-result-schema.ts";

writeFileSync(RUN_RESULT_SCHEMA_URL, `${JSON.stringify(generateRunResultSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${fileURLToPath(RUN_RESULT_SCHEMA_URL)}\n`);
