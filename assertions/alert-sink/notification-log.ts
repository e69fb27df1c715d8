import { TimeoutError } from "../../common/errors.ts";
import { pollUntil } from "../../common/poll-until.ts";
import type { Clock } from "../../common/clock.ts";
import { describeMatch, describeNotifications, matches, type Notification, type NotificationMatch } from "./notification.ts";

export interface WaitForOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** How the wanted notification is named in the timeout error; defaults to the match's fields. */
  describe?: string;
  clock?: Clock;
  signal?: AbortSignal;
}

/** What a sink received, in arrival order, and a bounded wait for the one a check needs. */
export class NotificationLog {
  readonly #received: Notification[] = [];

  record(notification: Notification): void {
    this.#received.push(notification);
  }

  list(): readonly Notification[] {
    return [...this.#received];
  }

  /**
   * Resolves with the first notification (oldest first) that matches, polling until `timeoutMs`.
   * Error text: `alert notification matching <desc> not received after <timeoutMs>ms (last: <n> notifications: ...)`.
   */
  async waitFor(
    match: NotificationMatch | ((n: Notification) => boolean),
    { timeoutMs, intervalMs = 50, describe, clock, signal }: WaitForOptions,
  ): Promise<Notification> {
    const test = typeof match === "function" ? match : (n: Notification) => matches(n, match);
    const what = `alert notification matching ${describe ?? (typeof match === "function" ? match.name || "predicate" : describeMatch(match))}`;
    try {
      const found = await pollUntil(
        what,
        async () => this.#received.find(test),
        (n) => n !== undefined,
        { timeoutMs, intervalMs, signal, ...(clock ? { clock } : {}), describe: () => describeNotifications(this.#received) },
      );
      return found!;
    } catch (error) {
      if (!(error instanceof TimeoutError)) throw error;
      throw new TimeoutError(`${what} not received`, timeoutMs, describeNotifications(this.#received), { cause: error });
    }
  }
}
