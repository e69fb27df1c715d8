import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { RecordedAnswer } from "../kube-control-plane/record-api-answers.ts";

/**
 * Answers recorded from a real kube-apiserver (the version of the k3s pin) by
 * cluster-runtime.kube-apiserver.test.ts: discovery documents and Status bodies. The API double
 * replays them so its unit tests see real shapes; the integration test keeps them equal in shape
 * to what the live server answers (OBSCONF_RECORD_KUBE_FIXTURES=1 records them again).
 */
export const KUBE_API_FIXTURE_FILE = path.join(import.meta.dirname, "fixtures", "kube-apiserver-1.36.1.json");

export const KUBE_API_FIXTURES: { answers: readonly RecordedAnswer[] } = {
  answers: existsSync(KUBE_API_FIXTURE_FILE) ? (JSON.parse(readFileSync(KUBE_API_FIXTURE_FILE, "utf8")) as RecordedAnswer[]) : [],
};

/** The recorded answer of that name; throws naming the fixture file when it is not there. */
export function recordedAnswer(name: string): RecordedAnswer {
  const answer = KUBE_API_FIXTURES.answers.find((a) => a.name === name);
  if (!answer)
    throw new Error(`${KUBE_API_FIXTURE_FILE}: expected a recorded answer named ${JSON.stringify(name)}, saw ${KUBE_API_FIXTURES.answers.length} others`);
  return answer;
}

/** The recorded discovery document for `/api`, `/apis`, `/api/v1` or `/apis/<group>/<version>`, when recorded. */
export function recordedDiscovery(apiPath: string): unknown {
  return KUBE_API_FIXTURES.answers.find((a) => a.name === `discovery ${apiPath}` && a.status === 200)?.body;
}
