import { INTRINSICS, TraceQLUnsupportedError, TraceQLValidationError, type CompareOp, type FieldExpr, type Operand, type StaticType } from "./traceql-ast.ts";

const NUMERIC = new Set<StaticType>(["int", "float", "duration"]);

function typeOf(o: Operand): StaticType | "attribute" {
  if (o.kind === "attribute") return "attribute";
  if (o.kind === "intrinsic") return INTRINSICS[o.name]!.type;
  return o.type;
}

/**
 * Tempo's static checks on one comparison: operands of one type (ints, floats and durations mix;
 * attributes and nil match anything), and an operator valid for that type (`=~`/`!~` on strings,
 * ordering on numbers and strings). Regular expressions are compiled here, once per query.
 */
export function validateComparison(op: CompareOp, left: Operand, right: Operand): FieldExpr {
  const lt = typeOf(left);
  const rt = typeOf(right);
  const text = `${left.text} ${op} ${right.text}`;
  const matching =
    lt === rt || lt === "attribute" || rt === "attribute" || lt === "nil" || rt === "nil" || (NUMERIC.has(lt as StaticType) && NUMERIC.has(rt as StaticType));
  if (!matching) throw new TraceQLValidationError(`binary operations must operate on the same type: ${text}`);
  const types = [lt, rt].filter((t) => t !== "attribute");
  const valid =
    op === "=~" || op === "!~"
      ? types.every((t) => t === "string")
      : op === "=" || op === "!="
        ? true
        : types.every((t) => t === "string" || NUMERIC.has(t as StaticType));
  if (!valid) throw new TraceQLValidationError(`illegal operation for the given types: ${text}`);
  if (op !== "=~" && op !== "!~") return { kind: "compare", op, left, right };
  const pattern = right.kind === "static" ? String(right.value) : undefined;
  if (pattern === undefined) throw new TraceQLUnsupportedError(`regular expression taken from "${right.text}"`);
  try {
    return { kind: "compare", op, left, right, regex: new RegExp(pattern, "u") };
  } catch (cause) {
    throw new TraceQLValidationError(`error parsing regexp: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}
