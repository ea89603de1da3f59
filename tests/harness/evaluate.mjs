// Evaluates GitHub Actions expressions with GitHub's own library (@actions/expressions),
// so the Python test harness never re-implements the expression language by hand.
//
// Protocol: one JSON object per line on stdin, one JSON object per line on stdout.
//   request  {op: "evaluate"|"condition"|"interpolate", expression | expressions,
//             contexts, functions: {status?: "success"|"failure"|"cancelled", hashFiles?: bool}}
//   answer   {value, string} | {strings: [...]} | {error, kind: "parse"|"eval", expression}
// While evaluating hashFiles(...) this process asks the caller back, synchronously:
//   {call: "hashFiles", args: [...]}  ->  {result: "hex"} | {error}
// The runner's functions (success, always, failure, cancelled, hashFiles) are not in the
// library's core: they are registered as extension functions for the requests that allow them.
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";

// tests/node/node_modules is not an ancestor of this file, so the library is imported from
// the folder given as the first argument (ESM ignores NODE_PATH).
const libDir = path.join(process.argv[2], "@actions", "expressions", "dist");
const lib = await import(pathToFileURL(path.join(libDir, "index.js")).href);
const { FunctionCall } = await import(pathToFileURL(path.join(libDir, "ast.js")).href);
const { Evaluator, Lexer, Parser, data } = lib;

const STATUS_FUNCTIONS = ["success", "always", "failure", "cancelled"];

// --- synchronous line I/O (hashFiles needs a reply in the middle of an evaluation) ---
let pending = Buffer.alloc(0);
const chunk = Buffer.alloc(65536);

function readLine() {
  for (;;) {
    const nl = pending.indexOf(10);
    if (nl >= 0) {
      const line = pending.subarray(0, nl).toString("utf8");
      pending = pending.subarray(nl + 1);
      return line;
    }
    let n;
    try {
      n = fs.readSync(0, chunk, 0, chunk.length, null);
    } catch (e) {
      if (e.code === "EAGAIN") continue;
      if (e.code === "EOF") return null;
      throw e;
    }
    if (n === 0) return null;
    pending = Buffer.concat([pending, chunk.subarray(0, n)]);
  }
}

function writeLine(obj) {
  const text = JSON.stringify(obj) + "\n";
  const buf = Buffer.from(text, "utf8");
  let off = 0;
  while (off < buf.length) {
    try {
      off += fs.writeSync(1, buf, off);
    } catch (e) {
      if (e.code !== "EAGAIN") throw e;
    }
  }
}

// --- conversions between plain JSON and the library's data types ---
function toData(value) {
  // JSON.parse with the library's reviver builds Dictionary/Array/StringData/... bottom-up.
  return JSON.parse(JSON.stringify(value ?? {}), data.reviver);
}

function toPlain(value) {
  return JSON.parse(JSON.stringify(value, data.replacer) ?? "null");
}

// How a value reads once substituted into a string: primitives as the library coerces
// them (null -> '', true -> 'true', 1.0 -> '1'); arrays and objects as toJSON renders them.
function toText(value) {
  if (value.primitive) return value.coerceString();
  return JSON.stringify(value, data.replacer, "  ");
}

// --- the runner's functions ---
function runnerFunctions(functions) {
  const infos = [];
  const impls = new Map();
  const add = (name, minArgs, maxArgs, call) => {
    const def = { name, minArgs, maxArgs, call };
    infos.push(def);
    impls.set(name.toLowerCase(), def);
  };
  if (functions.status) {
    const s = functions.status;
    add("success", 0, 0, () => new data.BooleanData(s === "success"));
    add("always", 0, 0, () => new data.BooleanData(true));
    add("failure", 0, 0, () => new data.BooleanData(s === "failure"));
    add("cancelled", 0, 0, () => new data.BooleanData(s === "cancelled"));
  }
  if (functions.hashFiles) {
    add("hashFiles", 1, 255, (...args) => {
      writeLine({ call: "hashFiles", args: args.map(a => a.coerceString()) });
      const reply = JSON.parse(readLine());
      if (reply.error) throw new Error(reply.error);
      return new data.StringData(reply.result);
    });
  }
  return { infos, impls };
}

class ParseError extends Error {}

function parse(expression, contextNames, infos) {
  if (expression.trim() === "") throw new ParseError("An expression was expected");
  try {
    const tokens = new Lexer(expression).lex().tokens;
    return new Parser(tokens, contextNames, infos).parse();
  } catch (e) {
    throw new ParseError(e.message);
  }
}

// Whether the parsed tree calls a status function anywhere, as the runner checks before
// wrapping an `if:` in success() && (...).
function callsStatusFunction(node) {
  if (!node || typeof node !== "object") return false;
  if (node instanceof FunctionCall) {
    if (STATUS_FUNCTIONS.includes(node.functionName.lexeme.toLowerCase())) return true;
  }
  for (const key of ["expr", "left", "right", "group", "index"]) {
    if (callsStatusFunction(node[key])) return true;
  }
  for (const key of ["args"]) {
    if (Array.isArray(node[key]) && node[key].some(callsStatusFunction)) return true;
  }
  return false;
}

function evaluateOne(expression, context, contextNames, fns) {
  const tree = parse(expression, contextNames, fns.infos);
  try {
    return new Evaluator(tree, context, fns.impls).evaluate();
  } catch (e) {
    const err = new Error(e.message);
    err.kind = "eval";
    throw err;
  }
}

function handle(req) {
  const context = toData(req.contexts);
  const contextNames = Object.keys(req.contexts ?? {});
  const fns = runnerFunctions(req.functions ?? {});
  let current = req.expression;
  try {
    if (req.op === "interpolate") {
      const strings = [];
      for (const expression of req.expressions) {
        current = expression;
        strings.push(toText(evaluateOne(expression, context, contextNames, fns)));
      }
      return { strings };
    }
    if (req.op === "condition") {
      const tree = parse(current, contextNames, fns.infos);
      const wrapped = !callsStatusFunction(tree);
      const expression = wrapped ? `success() && (${current})` : current;
      const value = evaluateOne(expression, context, contextNames, fns);
      return { value: toPlain(value), truthy: truthy(value), expression };
    }
    const value = evaluateOne(current, context, contextNames, fns);
    return { value: toPlain(value), string: toText(value) };
  } catch (e) {
    const kind = e instanceof ParseError ? "parse" : "eval";
    return { error: e.message, kind, expression: current };
  }
}

function truthy(value) {
  switch (value.kind) {
    case data.Kind.Null:
      return false;
    case data.Kind.Boolean:
      return value.value;
    case data.Kind.Number:
      return !(value.value === 0 || Number.isNaN(value.value));
    case data.Kind.String:
      return value.value.length > 0;
    default:
      return true;
  }
}

for (;;) {
  const line = readLine();
  if (line === null) break;
  if (line.trim() === "") continue;
  let answer;
  try {
    answer = handle(JSON.parse(line));
  } catch (e) {
    answer = { error: `harness: ${e.stack || e}`, kind: "internal" };
  }
  writeLine(answer);
}
