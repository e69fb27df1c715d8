/**
 * The two ways a query is refused. Both answer HTTP 400; the body is `message` as plain text.
 * - `LogQLParseError`: invalid LogQL, worded like Loki 2.8: `parse error at line 1, col 20: syntax
 *   error: unexpected $end, expecting } or ,` (col is 1-based; `parse error : …` when there is no position).
 * - `LogQLUnsupportedError`: valid LogQL outside the sink's subset, naming the part:
 *   `unsupported LogQL in the obsconf reference sink: parser stage "| json"`.
 */
export class LogQLParseError extends Error {
  override name: string = "LogQLParseError";
  constructor(
    readonly detail: string,
    readonly col?: number,
  ) {
    super(col === undefined ? `parse error : ${detail}` : `parse error at line 1, col ${col}: ${detail}`);
  }
}

export class LogQLUnsupportedError extends Error {
  override name: string = "LogQLUnsupportedError";
  constructor(readonly part: string) {
    super(`unsupported LogQL in the obsconf reference sink: ${part}`);
  }
}
