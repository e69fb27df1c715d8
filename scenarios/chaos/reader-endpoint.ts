import type { StartedStack } from "../../stack/started-stack.ts";

/**
 * Where the drill's canary reader (and its alert queries) reach a component: past the fault proxy
 * when one stands in front of the port, else the stack's endpoint. A proxy fault (delay, loss at the
 * proxy, 5xx/429, ack-and-drop) acts on the link between the writers and the component; the reader
 * measures when data is readable at the component, so it must not pay the delay twice or be refused.
 * The availability probes keep going through the proxy: they stand for the stack's clients.
 */
export function readerUrl(stack: StartedStack, component: string, port: string): string | undefined {
  return stack.control?.(component)?.proxy(port)?.upstream.url ?? stack.endpoints()[component]?.[port]?.url;
}
