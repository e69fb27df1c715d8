import { HttpMethod, KubernetesObjectApi, PatchStrategy, type KubeConfig, type KubernetesObject } from "@kubernetes/client-node";
import { HarnessError } from "../../../common/errors.ts";
import { apiErrorDetail } from "./api-error.ts";
import { describeObject, type KubeObject } from "./kube-object.ts";

export interface ApplyOptions {
  /** Server-side apply field manager; obsconf uses `obsconf`. */
  fieldManager: string;
}

/**
 * KubernetesObjectApi with a server-side apply that sends the object exactly as given.
 * `KubernetesObjectApi.patch()` runs the body through the client's typed models first, which
 * silently drops every field those models do not know (a newer API field, a typo the server's
 * field validation would have reported); for apply, the sent fields are the owned fields, so the
 * body must be the object itself. Path resolution (discovery), auth and errors stay the client's.
 */
class ServerSideApplyClient extends KubernetesObjectApi {
  static forConfig(kc: KubeConfig): ServerSideApplyClient {
    const client = kc.makeApiClient(ServerSideApplyClient);
    client.setDefaultNamespace(kc);
    return client;
  }

  async apply(object: KubeObject, fieldManager: string): Promise<KubernetesObject> {
    // specUriPath fills in defaults on the spec it is given; keep the caller's object untouched.
    const path = await this.specUriPath(structuredClone(object), "patch");
    const request = this.configuration.baseServer.makeRequestContext(path, HttpMethod.PATCH);
    request.setHeaderParam("Accept", "application/json, */*;q=0.8");
    request.setHeaderParam("Content-Type", PatchStrategy.ServerSideApply);
    request.setQueryParam("fieldManager", fieldManager);
    request.setQueryParam("force", "true");
    request.setBody(JSON.stringify(object));
    return this.requestPromise(request);
  }
}

/**
 * Server-side applies `objects` in the given order (force, so obsconf takes over fields another
 * manager set), one PATCH per object, stopping at the first failure. Returns what the API stored.
 */
export async function applyObjects(kc: KubeConfig, objects: readonly KubeObject[], { fieldManager }: ApplyOptions): Promise<KubernetesObject[]> {
  const client = ServerSideApplyClient.forConfig(kc);
  const applied: KubernetesObject[] = [];
  for (const [index, object] of objects.entries()) {
    try {
      applied.push(await client.apply(object, fieldManager));
    } catch (error) {
      throw new HarnessError(
        `server-side apply of ${describeObject(object)} failed (object ${index + 1} of ${objects.length}, ` +
          `${index} applied before it): ${apiErrorDetail(error)}`,
        { cause: error },
      );
    }
  }
  return applied;
}
