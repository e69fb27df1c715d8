import { HarnessError } from "../../common/errors.ts";

/**
 * Why a Prometheus-compatible API call did not yield data. `errorType` is the API's own
 * (`bad_data`, `execution`, `timeout`, `unavailable`, ...) or one the client adds:
 * `bad_response` (not a JSON API envelope), `request_timeout` (no answer within the client's
 * timeout), `transport` (connection refused, reset, ...). Query load counts errors by `errorType`.
 */
export class PromApiError extends HarnessError {
  readonly what: string;
  readonly status: number | undefined;
  readonly errorType: string;
  readonly error: string;
  readonly query: string | undefined;
  readonly durationMs: number;

  constructor(init: { what: string; status?: number; errorType: string; error: string; query?: string; durationMs: number }, options?: { cause?: unknown }) {
    const seen = init.status === undefined ? `${init.errorType}: ${init.error}` : `HTTP ${init.status} ${init.errorType}: ${init.error}`;
    super(`${init.what} failed: ${seen}`, options);
    this.what = init.what;
    this.status = init.status;
    this.errorType = init.errorType;
    this.error = init.error;
    this.query = init.query;
    this.durationMs = init.durationMs;
  }
}

/** How many characters of a non-JSON body an error quotes. */
export const BODY_QUOTE_CHARS = 200;

export function quoteBody(body: string): string {
  return JSON.stringify(body.length > BODY_QUOTE_CHARS ? body.slice(0, BODY_QUOTE_CHARS) : body);
}
