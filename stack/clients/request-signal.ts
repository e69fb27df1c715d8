/**
 * The abort signal of one client request: its deadline, and the component's life signal
 * (`StartedStack.lifeSignal(component)`) when the client was given one, so a request to a
 * component that died fails at once, naming the death (a ComponentDiedError as its cause),
 * instead of waiting for its timeout or reporting a bare ECONNREFUSED.
 */
export function requestSignal(
  timeoutMs: number,
  life: AbortSignal | undefined,
): { signal: AbortSignal; timedOut: () => boolean; died: () => Error | undefined } {
  const deadline = AbortSignal.timeout(timeoutMs);
  return {
    signal: life ? AbortSignal.any([deadline, life]) : deadline,
    timedOut: () => deadline.aborted,
    died: () => (life?.aborted ? (life.reason instanceof Error ? life.reason : new Error(String(life.reason))) : undefined),
  };
}
