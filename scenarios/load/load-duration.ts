import { parseDurationMs } from "../../common/duration.ts";
import { InputError } from "../../common/errors.ts";

/** `--duration` bounds: long enough for one counter window, short enough that a typo cannot run for days. */
export const MIN_LOAD_DURATION_MS = 1_000;
export const MAX_LOAD_DURATION_MS = 2 * 3_600_000;

/**
 * `--duration` of `obsconf run load`: a duration (`90s`, `5m`, `1h30m`) or plain seconds (`300`),
 * between 1s and 2h. Anything else is an InputError naming the flag.
 */
export function parseLoadDurationMs(value: string): number {
  const text = value.trim();
  const ms = /^\d+(\.\d+)?$/.test(text) ? Math.round(Number(text) * 1000) : parseDurationMs(text);
  if (ms === undefined || ms < MIN_LOAD_DURATION_MS || ms > MAX_LOAD_DURATION_MS) {
    throw new InputError({ file: "command line", field: "--duration" }, "a duration from 1s to 2h, e.g. 90s, 5m or 300 (seconds)", JSON.stringify(value));
  }
  return ms;
}
