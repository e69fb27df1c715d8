/** The parsed form of the sink's TraceQL subset, and its two non-syntax errors. */
export type CompareOp = "=" | "!=" | ">" | ">=" | "<" | "<=" | "=~" | "!~";
export type Intrinsic = "name" | "status" | "duration" | "kind" | "statusMessage" | "rootName" | "rootServiceName" | "traceDuration";
export type StaticType = "string" | "int" | "float" | "duration" | "bool" | "nil" | "status" | "kind";

export type Operand =
  | { kind: "attribute"; scope: "span" | "resource" | "any"; name: string; text: string }
  | { kind: "intrinsic"; name: Intrinsic; text: string }
  | { kind: "static"; type: StaticType; value: string | number | boolean | null; text: string };

export type FieldExpr =
  | { kind: "and" | "or"; left: FieldExpr; right: FieldExpr }
  | { kind: "compare"; op: CompareOp; left: Operand; right: Operand; regex?: RegExp }
  | { kind: "truthy"; operand: Operand };

export type SpansetExpr = { kind: "filter"; expr: FieldExpr | undefined } | { kind: "and" | "or"; left: SpansetExpr; right: SpansetExpr };

export class TraceQLUnsupportedError extends Error {
  override name = "TraceQLUnsupportedError";
  constructor(readonly part: string) {
    super(`unsupported TraceQL in the obsconf reference sink: ${part}`);
  }
}

export class TraceQLValidationError extends Error {
  override name = "TraceQLValidationError";
}

/** The intrinsics the sink evaluates, with the type Tempo gives each. */
export const INTRINSICS: Record<string, { name: Intrinsic; type: StaticType }> = {
  name: { name: "name", type: "string" },
  status: { name: "status", type: "status" },
  duration: { name: "duration", type: "duration" },
  kind: { name: "kind", type: "kind" },
  statusMessage: { name: "statusMessage", type: "string" },
  rootName: { name: "rootName", type: "string" },
  rootServiceName: { name: "rootServiceName", type: "string" },
  traceDuration: { name: "traceDuration", type: "duration" },
};
