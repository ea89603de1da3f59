"""GitHub Actions expressions, evaluated by GitHub's own library in a long-lived node process.

The expression language (coercions, case-insensitive compares, `*` filters, format, ...) is
subtle; re-implementing it would test our reading of the docs, not the workflows. So the
evaluation is delegated to `@actions/expressions` (tests/node) through `evaluate.mjs`, and
this module only adds what GitHub's *runner* adds around it: how `${{ }}` is found in a
string, how an `if:` is wrapped, the status functions and hashFiles().
"""

from __future__ import annotations

import atexit
import fnmatch
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
NODE_DIR = HERE.parent / "node"
NODE_MODULES = NODE_DIR / "node_modules"
SCRIPT = HERE / "evaluate.mjs"
STATUSES = ("success", "failure", "cancelled", "skipped")  # skipped: neither success nor failure


class ExpressionError(Exception):
    """An expression GitHub would reject (parse error) or fail on (evaluation error)."""

    def __init__(self, expression: str, reason: str, kind: str = "eval"):
        self.expression = expression
        self.reason = reason
        self.kind = kind
        what = "cannot parse" if kind == "parse" else "cannot evaluate"
        super().__init__(f"{what} expression {expression!r}: {reason}")


def ensure_node_modules() -> Path:
    """Install tests/node from its lock file when a fresh checkout has no node_modules."""
    marker = NODE_MODULES / "@actions" / "expressions" / "package.json"
    if not marker.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is needed for the expression evaluator: install node and npm")
        done = subprocess.run(
            [npm, "ci", "--prefix", str(NODE_DIR), "--no-audit", "--no-fund"],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0 or not marker.exists():
            raise RuntimeError(f"`npm ci --prefix {NODE_DIR}` failed:\n{done.stderr}")
    return NODE_MODULES


# --- where ${{ }} are in a string ----------------------------------------------------------


def split_template(text: str) -> list[tuple[str, str]]:
    """Cut `text` into ("text", s) and ("expr", s) parts, as GitHub's template reader does.

    An expression ends at the first `}}` outside a single-quoted string literal; an unclosed
    `${{` is an error (GitHub rejects the workflow).
    """
    parts: list[tuple[str, str]] = []
    pos = 0
    while True:
        start = text.find("${{", pos)
        if start < 0:
            if pos < len(text):
                parts.append(("text", text[pos:]))
            return parts
        in_string = False
        end = -1
        for i in range(start + 3, len(text)):
            if text[i] == "'":
                in_string = not in_string
            elif not in_string and text[i] == "}" and text[i - 1] == "}" and i - 1 >= start + 3:
                end = i - 1
                break
        if end < 0:
            raise ExpressionError(
                text[start:],
                "the expression is not closed: an unescaped ${{ has no closing }}",
                "parse",
            )
        if start > pos:
            parts.append(("text", text[pos:start]))
        parts.append(("expr", text[start + 3 : end].strip()))
        pos = end + 2


def condition_expression(value: object) -> str:
    """The expression an `if:` value stands for, with or without `${{ }}`.

    A lone `${{ x }}` is `x`; text mixed with `${{ }}` becomes a format() call, which is a
    non-empty string and so always true -- GitHub's well-known trap, kept on purpose.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value).strip()
    if "${{" not in text:
        return text
    parts = split_template(text)
    if len(parts) == 1 and parts[0][0] == "expr":
        return parts[0][1]
    fmt, args = [], []
    for kind, s in parts:
        if kind == "text":
            fmt.append(s.replace("{", "{{").replace("}", "}}").replace("'", "''"))
        else:
            fmt.append(f"{{{len(args)}}}")
            args.append(s)
    return "format('{}', {})".format("".join(fmt), ", ".join(args))


# --- hashFiles ----------------------------------------------------------------------------


def _match_parts(pattern: list[str], parts: list[str]) -> bool:
    if not pattern:
        return not parts
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        return any(_match_parts(rest, parts[i:]) for i in range(len(parts) + 1))
    return bool(parts) and fnmatch.fnmatchcase(parts[0], head) and _match_parts(rest, parts[1:])


def _walk(root: Path) -> Iterator[Path]:
    """Files under root, depth first in byte order: the order node's readdir gives the runner."""
    try:
        names = sorted(os.listdir(root))
    except (NotADirectoryError, FileNotFoundError):
        return
    for name in names:
        path = root / name
        if path.is_dir():
            yield from _walk(path)
        elif path.is_file():
            yield path


def hash_files(patterns: list[str], workspace: Path) -> str:
    """hashFiles() as the runner computes it.

    Patterns (one per argument or per line; `!` negates, later patterns win, a matched
    folder matches its contents, dot files match) are relative to the workspace; only files
    inside it count. The result is sha256 over the sha256 digests of the matched files, in
    traversal order, or '' when nothing matches.
    """
    ws = Path(os.path.realpath(workspace))
    rules: list[tuple[bool, list[str]]] = []
    for arg in patterns:
        for line in arg.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            negate = line.startswith("!")
            line = line.lstrip("!")
            full = Path(line) if os.path.isabs(line) else ws / line
            rel = os.path.relpath(os.path.normpath(full), ws)
            rules.append((negate, [] if rel == "." else rel.split(os.sep)))
    outer = hashlib.sha256()
    count = 0
    for path in _walk(ws):
        parts = path.relative_to(ws).parts
        included = False
        for negate, pattern in rules:
            # a pattern that matches a folder matches everything below it
            hit = any(_match_parts(pattern, list(parts[:n])) for n in range(1, len(parts) + 1))
            if hit:
                included = not negate
        if included:
            outer.update(hashlib.sha256(path.read_bytes()).digest())
            count += 1
    return outer.hexdigest() if count else ""


# --- the evaluator process -------------------------------------------------------------------


class Evaluator:
    """One node process running evaluate.mjs, spoken to in JSON lines."""

    def __init__(self, node: str | None = None):
        self._node = node or shutil.which("node") or "node"
        self._proc: subprocess.Popen[str] | None = None
        self._stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 -- lives with self
        self._lock = threading.Lock()

    def _start(self) -> subprocess.Popen[str]:
        if self._proc is None or self._proc.poll() is not None:
            modules = ensure_node_modules()
            self._proc = subprocess.Popen(
                [self._node, str(SCRIPT), str(modules)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                text=True,
                encoding="utf-8",
                bufsize=1,
            )
        return self._proc

    def close(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None

    def __enter__(self) -> Evaluator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _request(self, request: dict[str, Any], workspace: Path | None) -> dict[str, Any]:
        with self._lock:
            proc = self._start()
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.write(json.dumps(request, default=str) + "\n")
            proc.stdin.flush()
            while True:
                line = proc.stdout.readline()
                if not line:
                    self._stderr.seek(0)
                    raise RuntimeError(f"the expression evaluator died:\n{self._stderr.read()}")
                answer = json.loads(line)
                if "call" not in answer:
                    break
                reply: dict[str, str]
                try:
                    reply = {"result": hash_files(answer["args"], workspace or Path.cwd())}
                except OSError as exc:
                    reply = {"error": f"hashFiles: {exc}"}
                proc.stdin.write(json.dumps(reply) + "\n")
                proc.stdin.flush()
        if "error" in answer:
            if answer.get("kind") == "internal":
                raise RuntimeError(answer["error"])
            raise ExpressionError(answer.get("expression", "?"), answer["error"], answer["kind"])
        return answer

    @staticmethod
    def _functions(status: str | None, workspace: Path | None) -> dict[str, Any]:
        if status is not None and status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, not {status!r}")
        return {"status": status, "hashFiles": workspace is not None}

    @staticmethod
    def _workspace(contexts: Mapping[str, Any], workspace: Path | None) -> Path | None:
        if workspace is not None:
            return Path(workspace)
        ws = (contexts.get("github") or {}).get("workspace")
        return Path(ws) if ws else None

    def evaluate(
        self,
        expression: str,
        contexts: Mapping[str, Any],
        *,
        status: str | None = None,
        workspace: Path | None = None,
    ) -> Any:
        """The value of one expression (no `${{ }}`), as plain Python data.

        Status functions exist only when `status` is given (GitHub allows them only in
        `if:`); hashFiles only when there is a workspace (given, or github.workspace).
        """
        ws = self._workspace(contexts, workspace)
        request = {
            "op": "evaluate",
            "expression": expression,
            "contexts": dict(contexts),
            "functions": self._functions(status, ws),
        }
        return self._request(request, ws)["value"]

    def interpolate(
        self,
        text: str,
        contexts: Mapping[str, Any],
        *,
        workspace: Path | None = None,
    ) -> str:
        """Replace every `${{ }}` in `text` by its value coerced to a string, as GitHub does."""
        parts = split_template(text)
        expressions = [s for kind, s in parts if kind == "expr"]
        if not expressions:
            return text
        ws = self._workspace(contexts, workspace)
        request = {
            "op": "interpolate",
            "expressions": expressions,
            "contexts": dict(contexts),
            "functions": self._functions(None, ws),
        }
        strings = iter(self._request(request, ws)["strings"])
        return "".join(s if kind == "text" else next(strings) for kind, s in parts)

    def condition(
        self,
        expression: object,
        contexts: Mapping[str, Any],
        status: str = "success",
        *,
        workspace: Path | None = None,
    ) -> bool:
        """Whether an `if:` holds; without a status function it means success() && (expr)."""
        ws = self._workspace(contexts, workspace)
        request = {
            "op": "condition",
            "expression": condition_expression(expression),
            "contexts": dict(contexts),
            "functions": self._functions(status, ws),
        }
        return bool(self._request(request, ws)["truthy"])


_default: Evaluator | None = None


def default_evaluator() -> Evaluator:
    """The process-wide evaluator (one node process for the whole test session)."""
    global _default
    if _default is None:
        _default = Evaluator()
        atexit.register(_default.close)
    return _default


def evaluate(expression: str, contexts: Mapping[str, Any], **kw: Any) -> Any:
    return default_evaluator().evaluate(expression, contexts, **kw)


def interpolate(text: str, contexts: Mapping[str, Any], **kw: Any) -> str:
    return default_evaluator().interpolate(text, contexts, **kw)


def condition(
    expression: object,
    contexts: Mapping[str, Any],
    status: str = "success",
    **kw: Any,
) -> bool:
    return default_evaluator().condition(expression, contexts, status, **kw)
