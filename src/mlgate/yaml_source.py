"""YAML text -> plain data plus the position of every key and value.

Every YAML file mlgate reads from the user (the manifest, the params file, DVC's
dvc.yaml and metrics files) comes through here. It is data, never code: only the YAML
1.2 core schema is understood (no `yes`/`on` booleans, no sexagesimal numbers, no
timestamps; as DVC reads params) and any explicit tag that would construct an object is
a located problem. Duplicate keys, which PyYAML silently overwrites, are problems too.
Nothing here can hang or exhaust memory: the text has a size limit, aliases may not
expand past a number of values, nesting past a depth, and integers past what a float
holds (Python refuses to read a decimal integer of more than 4300 digits at all).
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import yaml

from mlgate.errors import Problem

KeyPath = tuple[str | int, ...]

if TYPE_CHECKING:
    _Loader = yaml.SafeLoader  # libyaml's CSafeLoader, where built, behaves the same
else:
    _Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_VALUES = 20_000  # a real manifest has a few hundred
MAX_DEPTH = 50  # levels of lists and mappings; a real manifest has about five
MAX_BYTES = 2**20  # a real manifest has a few KiB
# digits past which an integer cannot be below sys.float_info.max (about 1.8e308)
_MAX_DIGITS = {10: 309, 16: 256, 8: 342}
# libyaml recurses on the C stack and kills the process at some 25,000 levels of nesting;
# text that might nest deeper than this is composed in pure Python (a RecursionError)
_C_SAFE_DEPTH = 5_000


# PyYAML's registry: a plain scalar's first character -> (tag, pattern) to try in turn
_Resolvers = dict[str | None, list[tuple[str, re.Pattern[str]]]]


class _CoreSchemaLoader(_Loader):
    """SafeLoader resolving plain scalars by the YAML 1.2 core schema."""

    yaml_implicit_resolvers: _Resolvers = {}  # noqa: RUF012 (PyYAML's class-level registry)


class _PureCoreSchemaLoader(yaml.SafeLoader):
    """The same in pure Python, for text that may nest too deeply for libyaml."""

    yaml_implicit_resolvers: _Resolvers = {}  # noqa: RUF012 (PyYAML's class-level registry)


_CORE_RESOLVERS = [
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    (
        "tag:yaml.org,2002:int",
        r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$",
        list("-+0123456789"),
    ),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        list("-+.0123456789"),
    ),
]
for _tag, _pattern, _first in _CORE_RESOLVERS:
    _CoreSchemaLoader.add_implicit_resolver(_tag, re.compile(_pattern), _first)
    _PureCoreSchemaLoader.add_implicit_resolver(_tag, re.compile(_pattern), _first)

_STR, _NULL, _BOOL = "tag:yaml.org,2002:str", "tag:yaml.org,2002:null", "tag:yaml.org,2002:bool"
_INT, _FLOAT = "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"
_MAP, _SEQ = "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


@dataclass(frozen=True, kw_only=True)
class Mark:
    line: int  # 1-based
    column: int  # 1-based


@dataclass(kw_only=True)
class Document:
    """Parsed manifest: its data and where each key and value stands in the file."""

    data: object
    file: str
    key_marks: dict[KeyPath, Mark] = field(default_factory=dict)
    value_marks: dict[KeyPath, Mark] = field(default_factory=dict)
    # problems that still leave usable data (duplicate keys, tags): reported with the rest
    problems: list[Problem] = field(default_factory=list)

    def mark_of(self, path: KeyPath, *, key: bool = False) -> Mark:
        """The closest known position: the key itself, else its value, else an ancestor."""
        for depth in range(len(path), -1, -1):
            sub = path[:depth]
            first, second = (self.key_marks, self.value_marks)
            if not key:
                first, second = second, first
            if sub in first:
                return first[sub]
            if sub in second:
                return second[sub]
        return Mark(line=1, column=1)

    def problem(self, path: KeyPath, message: str, *, key: bool = False) -> Problem:
        mark = self.mark_of(path, key=key)
        return Problem(
            file=self.file,
            line=mark.line,
            column=mark.column,
            path=format_path(path, self.data),
            message=message,
        )


class YamlProblems(Exception):
    """Raised when the text cannot be turned into data at all, or into trusted data."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


def load_bytes(
    raw: bytes,
    file: str,
    *,
    what: str = "manifest",
    max_bytes: int = MAX_BYTES,
    max_values: int = MAX_VALUES,
    merge_keys: bool = False,
) -> Document:
    """`parse` for a file's bytes: too many of them, or bytes that are not UTF-8 text, are
    located problems too. `what` names the file in messages ("params file")."""
    if len(raw) > max_bytes:
        message = f"the {what} is {len(raw):,} bytes, more than the {max_bytes:,} mlgate reads"
        raise YamlProblems([_whole(file, f"{message} from a {what}")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        message = f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the {what} as UTF-8"
        raise YamlProblems([_whole(file, message, line, column)]) from exc
    return parse(text, file, what=what, max_values=max_values, merge_keys=merge_keys)


def _whole(file: str, message: str, line: int = 1, column: int = 1) -> Problem:
    """A problem of the file as a whole, at no key."""
    return Problem(file=file, line=line, column=column, path="", message=message)


def parse(
    text: str,
    file: str,
    *,
    what: str = "manifest",
    max_values: int = MAX_VALUES,
    merge_keys: bool = False,
) -> Document:
    """Parse YAML text; raise YamlProblems when no data can be had from it.

    Problems that leave data behind (a duplicate key, a forbidden tag) are kept on the
    document instead, so that they are reported together with the schema's findings.
    `merge_keys` reads `<<: *defaults` as YAML 1.1 loaders do (params files use it); the
    manifest refuses it, so that every key it holds is written where it applies.
    """
    unreadable = _character_problems(text, file)
    if unreadable:
        raise YamlProblems(unreadable)
    bound = text.count("[") + text.count("{") + max(map(len, text.split("\n")))
    loader = _CoreSchemaLoader if bound < _C_SAFE_DEPTH else _PureCoreSchemaLoader
    try:
        node = yaml.compose(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        # a tab where YAML wants indentation: name every such line, not just the first
        tabs = _tab_problems(text, file) if _at_tab(text, exc.problem_mark) else []
        raise YamlProblems(tabs or [_syntax_problem(exc, file)]) from exc
    except RecursionError as exc:
        raise YamlProblems([_too_deep(file, Mark(line=1, column=1), what)]) from exc
    except yaml.YAMLError as exc:  # pragma: no cover (PyYAML always marks reader errors)
        problem = Problem(file=file, line=1, column=1, path="", message=str(exc))
        raise YamlProblems([problem]) from exc
    doc = Document(data=None, file=file)
    builder = _Builder(doc=doc, what=what, max_values=max_values, merge_keys=merge_keys)
    if node is not None:
        doc.data = builder.construct(node, ())
    doc.problems = [
        Problem(
            file=file,
            line=mark.line,
            column=mark.column,
            path=format_path(path, doc.data),
            message=message,
        )
        for path, mark, message in builder.pending
    ]
    return doc


_Pending = tuple[KeyPath, Mark, str]


def _mark(node: yaml.Node) -> Mark:
    return Mark(line=node.start_mark.line + 1, column=node.start_mark.column + 1)


@dataclass(kw_only=True)
class _Builder:
    """Nodes -> plain data, counting every value built: aliases of aliases can expand
    exponentially (a 1 KiB "billion laughs" names 10^9 values)."""

    doc: Document
    what: str
    max_values: int
    merge_keys: bool
    built: int = 0
    pending: list[_Pending] = field(default_factory=list)
    marks: dict[int, Mark] = field(default_factory=dict)  # by node: aliases revisit nodes

    def mark(self, node: yaml.Node) -> Mark:
        found = self.marks.get(id(node))
        if found is None:
            found = self.marks[id(node)] = _mark(node)
        return found

    def construct(
        self, node: yaml.Node, path: KeyPath, within: frozenset[int] = frozenset()
    ) -> object:
        doc = self.doc
        doc.value_marks.setdefault(path, self.mark(node))
        self.built += 1
        if len(path) > MAX_DEPTH:
            raise YamlProblems([_too_deep(doc.file, self.mark(node), self.what)])
        if self.built > self.max_values:
            raise YamlProblems(
                [
                    Problem(
                        file=doc.file,
                        line=self.mark(node).line,
                        column=self.mark(node).column,
                        path="",
                        message=f"the {self.what} expands to more than {self.max_values} values "
                        "(through aliases); write it out plainly",
                    )
                ]
            )
        if id(node) in within:  # an alias to one of its own ancestors: `a: &x [*x]`
            self.pending.append(
                (path, self.mark(node), "an alias refers to the value that contains it")
            )
            return None
        if isinstance(node, yaml.MappingNode | yaml.SequenceNode):
            within = within | {id(node)}
        if isinstance(node, yaml.MappingNode):
            if node.tag != _MAP:
                self.pending.append(_tag_problem(node, path))
                return None
            return self._mapping(node, path, within)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ:
                self.pending.append(_tag_problem(node, path))
                return None
            return [self.construct(item, (*path, i), within) for i, item in enumerate(node.value)]
        return self._scalar(node, path)

    def _mapping(
        self,
        node: yaml.MappingNode,
        path: KeyPath,
        within: frozenset[int],
        skip: frozenset[str] = frozenset(),
    ) -> dict[str, object]:
        """`skip`: keys already set where this mapping is merged in; they win."""
        result: dict[str, object] = {}
        merged: list[yaml.Node] = []
        for key_node, value_node in node.value:
            if key_node.value == "<<" and not key_node.style:  # plain, not quoted
                if self.merge_keys:
                    merged.append(value_node)
                else:
                    message = "merge keys (<<) are not supported; write the keys out"
                    self.pending.append((path, self.mark(key_node), message))
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                self.pending.append((path, self.mark(key_node), "a key must be a plain string"))
                continue
            key = key_node.value
            child = (*path, key)
            if key in skip:
                continue
            if key in result:
                first = self.doc.key_marks[child].line
                message = f"duplicate key '{key}' (first given at line {first}); keep one"
                self.pending.append((child, self.mark(key_node), message))
                continue
            self.doc.key_marks[child] = self.mark(key_node)
            result[key] = self.construct(value_node, child, within)
        for source in merged:  # keys written out win, then earlier sources over later
            sources = source.value if isinstance(source, yaml.SequenceNode) else [source]
            for mapping in sources:
                if not isinstance(mapping, yaml.MappingNode) or mapping.tag != _MAP:
                    self.pending.append(
                        (
                            path,
                            self.mark(mapping),
                            "a merge key (<<) takes a mapping or a list of them",
                        )
                    )
                    continue
                if id(mapping) in within:
                    self.pending.append(
                        (path, self.mark(mapping), "an alias refers to the value that contains it")
                    )
                    continue
                result.update(
                    self._mapping(mapping, path, within | {id(mapping)}, skip | frozenset(result))
                )
        return result

    def _scalar(self, node: yaml.Node, path: KeyPath) -> object:
        """A scalar: what remains once mappings and sequences are taken out."""
        value, tag = node.value, node.tag
        if tag == _STR:
            return value
        if tag == _NULL:
            return None
        if tag == _BOOL:
            return value.lower() == "true"
        if tag == _INT:
            number = _integer(value)
            if number is None:
                self.pending.append((path, self.mark(node), _too_large(value)))
            return number
        if tag == _FLOAT:
            lowered = value.lower()
            if lowered.endswith(".inf"):
                return -math.inf if lowered.startswith("-") else math.inf
            if lowered == ".nan":
                return math.nan
            return float(value)
        self.pending.append(_tag_problem(node, path))
        return None


def _integer(text: str) -> int | None:
    """The integer, or None when no float can hold it: such a number is a mistake in a
    file of settings, and Python will not even convert one of more than 4300 digits."""
    digits = text.lstrip("+-")
    base = {"0x": 16, "0o": 8}.get(digits[:2], 10)
    if base != 10:
        digits = digits[2:]
    if len(digits.lstrip("0")) > _MAX_DIGITS[base]:
        return None
    number = int(digits, base) * (-1 if text.startswith("-") else 1)
    return number if abs(number) <= sys.float_info.max else None


def _too_large(text: str) -> str:
    shown = text if len(text) <= 20 else f"{text[:12]}...{text[-4:]}"
    return (
        f"the integer {shown} ({len(text)} characters) is too large: numbers go up to "
        "about 1.8e308; quote it if it is meant as text"
    )


def _tag_problem(node: yaml.Node, path: KeyPath) -> _Pending:
    tag = node.tag.replace("tag:yaml.org,2002:", "!!")
    message = (
        f"tag '{tag}' is not allowed: the manifest is plain data "
        "(strings, numbers, booleans, lists and mappings)"
    )
    return (path, _mark(node), message)


def _too_deep(file: str, mark: Mark, what: str) -> Problem:
    return Problem(
        file=file,
        line=mark.line,
        column=mark.column,
        path="",
        message=f"lists and mappings nest more than {MAX_DEPTH} levels deep; a {what} needs a few",
    )


# what YAML allows in a file; PyYAML's reader rejects the rest without a line number
_NOT_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)


def _character_problems(text: str, file: str) -> list[Problem]:
    problems = []
    for number, line in enumerate(text.split("\n"), start=1):
        found = _NOT_PRINTABLE.search(line)
        if found:  # the first on each line
            code = ord(found.group())
            problems.append(
                Problem(
                    file=file,
                    line=number,
                    column=found.start() + 1,
                    path="",
                    message=f"character U+{code:04X} is not allowed in YAML text; remove it, "
                    f"or write it as \\u{code:04X} inside double quotes",
                )
            )
    return problems


def _at_tab(text: str, mark: yaml.Mark | None) -> bool:
    lines = text.split("\n")
    if mark is None or mark.line >= len(lines):
        return False
    return lines[mark.line][mark.column : mark.column + 1] == "\t"


def _tab_problems(text: str, file: str) -> list[Problem]:
    """Lines indented with a tab; asked only once the parser has tripped over one, since a
    tab after the indentation of a block scalar (`|`) is text, and allowed."""
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            problems.append(
                Problem(
                    file=file,
                    line=number,
                    column=indent.index("\t") + 1,
                    path="",
                    message="tab character in indentation; YAML indents with spaces only",
                )
            )
    return problems


def _syntax_problem(exc: yaml.MarkedYAMLError, file: str) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    parts = [p for p in (exc.context, exc.problem) if p]
    message = "invalid YAML: " + "; ".join(parts)
    if exc.context_mark and exc.problem_mark and exc.context_mark.line != exc.problem_mark.line:
        message += f" (the construct starts at line {exc.context_mark.line + 1})"
    if exc.problem and exc.problem.startswith("mapping values are not allowed"):
        message += "; check this line's indentation, or quote a value that contains ': '"
    return Problem(file=file, line=line, column=column, path="", message=message)


def format_path(path: KeyPath, data: object) -> str:
    """`data.columns.age.min`; list items by their natural key where they have one."""
    out = ""
    node = data
    for part in path:
        if isinstance(part, int):
            label = str(part)
            item = node[part] if isinstance(node, list) and part < len(node) else None
            if isinstance(item, dict):
                for key in NATURAL_KEYS:
                    if isinstance(item.get(key), str):
                        label = f"{key}={item[key]}"
                        break
            out += f"[{label}]"
            node = item
        else:
            out += f".{part}" if out else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out


NATURAL_KEYS = ("metric", "column", "name")
