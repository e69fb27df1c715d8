import { findAttribute, scalarOf, serviceNameOf, tagTextOf, type KeyValue } from "./trace-model.ts";
import type { StoredSpan, TraceEntry } from "./trace-store.ts";
import type { CompareOp, FieldExpr, Operand, SpansetExpr } from "./traceql-ast.ts";

/** A trace's answer to a query: the matching spans in storage order and, per span, the attributes the query named. */
export interface SpansetMatch {
  readonly spans: readonly { stored: StoredSpan; attributes: KeyValue[] }[];
}

type Value =
  | { type: "string"; v: string }
  | { type: "number"; v: number }
  | { type: "bool"; v: boolean }
  | { type: "status"; v: string }
  | { type: "kind"; v: string }
  /** `literal` for the `nil` keyword; without it, an attribute or intrinsic the span lacks. */
  | { type: "nil"; literal?: true };

const STATUS_BY_CODE = ["unset", "ok", "error"];
const KIND_BY_CODE = ["unspecified", "internal", "server", "client", "producer", "consumer"];

/** Evaluates a parsed query on one trace; undefined when no spanset matched. */
export function evaluateTraceQL(query: SpansetExpr, trace: TraceEntry): SpansetMatch | undefined {
  const matched = matchSpanset(query, trace);
  if (matched === undefined) return undefined;
  const named = namedAttributes(query);
  return { spans: trace.spans.filter((s) => matched.has(s)).map((stored) => ({ stored, attributes: attributesOf(stored, named) })) };
}

function matchSpanset(expr: SpansetExpr, trace: TraceEntry): Set<StoredSpan> | undefined {
  if (expr.kind === "filter") {
    const spans = new Set(trace.spans.filter((s) => expr.expr === undefined || test(expr.expr, s, trace)));
    return spans.size > 0 ? spans : undefined;
  }
  const left = matchSpanset(expr.left, trace);
  const right = matchSpanset(expr.right, trace);
  if (expr.kind === "and" && (left === undefined || right === undefined)) return undefined;
  if (left === undefined && right === undefined) return undefined;
  return new Set([...(left ?? []), ...(right ?? [])]);
}

function test(expr: FieldExpr, s: StoredSpan, trace: TraceEntry): boolean {
  switch (expr.kind) {
    case "and":
      return test(expr.left, s, trace) && test(expr.right, s, trace);
    case "or":
      return test(expr.left, s, trace) || test(expr.right, s, trace);
    case "truthy": {
      const v = operandValue(expr.operand, s, trace);
      return v.type === "bool" && v.v;
    }
    case "compare":
      return compare(expr.op, operandValue(expr.left, s, trace), operandValue(expr.right, s, trace), expr.regex);
  }
}

function compare(op: CompareOp, a: Value, b: Value, regex: RegExp | undefined): boolean {
  if ((a.type === "nil" && a.literal) || (b.type === "nil" && b.literal)) {
    const bothNil = a.type === "nil" && b.type === "nil";
    return op === "=" ? bothNil : op === "!=" ? !bothNil : false;
  }
  if (a.type === "nil" || b.type === "nil") return false;
  if (a.type !== b.type) return false;
  if (regex !== undefined) return a.type === "string" && (op === "=~") === regex.test(a.v);
  const x = a.v as string | number | boolean;
  const y = (b as typeof a).v as string | number | boolean;
  switch (op) {
    case "=":
      return x === y;
    case "!=":
      return x !== y;
    case ">":
      return x > y;
    case ">=":
      return x >= y;
    case "<":
      return x < y;
    case "<=":
      return x <= y;
    default:
      return false;
  }
}

function operandValue(o: Operand, { span, resource }: StoredSpan, trace: TraceEntry): Value {
  switch (o.kind) {
    case "static":
      if (o.type === "nil") return { type: "nil", literal: true };
      if (o.type === "string") return { type: "string", v: String(o.value) };
      if (o.type === "bool") return { type: "bool", v: o.value as boolean };
      if (o.type === "status" || o.type === "kind") return { type: o.type, v: String(o.value) };
      return { type: "number", v: o.value as number };
    case "intrinsic":
      switch (o.name) {
        case "name":
          return { type: "string", v: span.name ?? "" };
        case "status":
          return { type: "status", v: STATUS_BY_CODE[span.status?.code ?? 0] ?? "unset" };
        case "kind":
          return { type: "kind", v: KIND_BY_CODE[span.kind ?? 0] ?? "unspecified" };
        case "statusMessage":
          return { type: "string", v: span.status?.message ?? "" };
        case "duration":
          return { type: "number", v: Number(BigInt(span.endTimeUnixNano ?? "0") - BigInt(span.startTimeUnixNano ?? "0")) };
        case "traceDuration":
          return { type: "number", v: Number(trace.endNs - trace.startNs) };
        case "rootName":
          return trace.root?.span.name === undefined ? { type: "nil" } : { type: "string", v: trace.root.span.name };
        case "rootServiceName": {
          const name = serviceNameOf(trace.root?.resource);
          return name === undefined ? { type: "nil" } : { type: "string", v: name };
        }
      }
      break;
    case "attribute": {
      const found = o.scope !== "resource" ? findAttribute(span.attributes, o.name) : undefined;
      const value = found ?? (o.scope !== "span" ? findAttribute(resource?.attributes, o.name) : undefined);
      const scalar = value === undefined ? undefined : scalarOf(value);
      if (scalar === undefined) return value !== undefined && tagTextOf(value) !== undefined ? { type: "string", v: tagTextOf(value)! } : { type: "nil" };
      return typeof scalar === "string"
        ? { type: "string", v: scalar }
        : typeof scalar === "number"
          ? { type: "number", v: scalar }
          : { type: "bool", v: scalar };
    }
  }
  return { type: "nil" };
}

type Named = { scope: "span" | "resource" | "any"; name: string };

function namedAttributes(expr: SpansetExpr): Named[] {
  const out: Named[] = [];
  const visitField = (e: FieldExpr): void => {
    if (e.kind === "and" || e.kind === "or") {
      visitField(e.left);
      visitField(e.right);
      return;
    }
    for (const o of e.kind === "truthy" ? [e.operand] : [e.left, e.right]) if (o.kind === "attribute") out.push({ scope: o.scope, name: o.name });
  };
  const visit = (e: SpansetExpr): void => {
    if (e.kind === "filter") {
      if (e.expr) visitField(e.expr);
    } else {
      visit(e.left);
      visit(e.right);
    }
  };
  visit(expr);
  return out;
}

/**
 * Resource-level attributes first, then span-level ones, each sorted by key, unscoped, each once: Tempo
 * 2.8.0's order whatever the query's (2.0.1 listed span-level first, in query order).
 */
function attributesOf({ span, resource }: StoredSpan, named: readonly Named[]): KeyValue[] {
  const spanLevel: KeyValue[] = [];
  const resourceLevel: KeyValue[] = [];
  const seen = new Set<string>();
  for (const { scope, name } of named) {
    const onSpan = scope !== "resource" ? span.attributes?.find((a) => a.key === name) : undefined;
    const onResource = onSpan === undefined && scope !== "span" ? resource?.attributes?.find((a) => a.key === name) : undefined;
    const key = `${onSpan ? "span" : "resource"}:${name}`;
    if ((onSpan ?? onResource) === undefined || seen.has(key)) continue;
    seen.add(key);
    (onSpan ? spanLevel : resourceLevel).push((onSpan ?? onResource)!);
  }
  const byKey = (a: KeyValue, b: KeyValue) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  return [...resourceLevel.sort(byKey), ...spanLevel.sort(byKey)];
}
