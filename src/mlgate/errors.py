"""Exceptions split by who has to act, and the exit codes they map to.

    MlgateError
     ├── UserError          exit 2: the manifest, a path or an argument is wrong
     │    └── ManifestError     one or more located problems in mlops.yaml
     └── OutsideError       exit 3: git, a subprocess we rely on, storage, the network

A failed check or gate is a verdict (exit 1), carried by the run result, never raised.
"""

from __future__ import annotations

from dataclasses import dataclass

from mlgate import words

EXIT_PASSED = 0
EXIT_FAILED = 1
EXIT_USER_ERROR = 2
EXIT_OUTSIDE_ERROR = 3


HINT = "\n  hint: "  # between an error's message and its hint, as str() writes them


def hinted(text: str) -> tuple[str, str | None]:
    """An error's message and hint back from its str() (a stage keeps only the text)."""
    message, _, hint = text.partition(HINT)
    return message, hint or None


class MlgateError(Exception):
    """Base of every error mlgate reports without a traceback."""

    exit_code = EXIT_OUTSIDE_ERROR

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if self.hint is None else f"{self.message}{HINT}{self.hint}"

    def __reduce__(self) -> tuple[object, ...]:
        # whole across a process boundary (the model is scored in a child): the default
        # would call __init__ with the message alone and lose the hint, or the problems
        return (_restore, (type(self), self.args, dict(self.__dict__)))


def _restore(
    cls: type[MlgateError], args: tuple[object, ...], state: dict[str, object]
) -> MlgateError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class Interrupted(KeyboardInterrupt):
    """Stopped (Ctrl-C, a cancelled job) with something the user must know: a deployment
    that may have begun said only "interrupted"."""

    def __init__(self, said: str) -> None:
        super().__init__(said)
        self.said = said


class UserError(MlgateError):
    """The user can fix this by changing their input."""

    exit_code = EXIT_USER_ERROR


class OutsideError(MlgateError):
    """Something mlgate relies on failed; the user's input may be fine."""

    exit_code = EXIT_OUTSIDE_ERROR


def of_the_disk(exc: OSError) -> OutsideError | None:
    """A write the file system refused (full, over quota, read-only, a file past its
    size limit), as what it is: it ended `mlgate run` as "internal error (please report
    it)", and `mlgate ci` with no summary and no ::error:: line."""
    import errno

    hints = {
        errno.ENOSPC: "free space on that disk (or give the job a larger one) and run again",
        errno.EDQUOT: "free space within your quota (or have it raised) and run again",
        errno.EROFS: "run where the project's folder can be written",
        errno.EFBIG: "the file is past the size the file system or `ulimit -f` allows: "
        "raise the limit, or write less (a smaller data.test)",
    }
    if exc.errno not in hints:
        return None
    what = f" {exc.filename}" if exc.filename else ""
    return OutsideError(f"could not write{what}: {exc.strerror}", hint=hints[exc.errno])


@dataclass(frozen=True, kw_only=True, order=True)
class Problem:
    """One thing wrong with the manifest, located in its file."""

    file: str
    line: int  # 1-based
    column: int  # 1-based
    path: str  # key path, e.g. "data.columns.age.min"
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "message": self.message,
        }


class ManifestError(UserError):
    """The manifest (or a file it names) has problems; all of them are listed, in order."""

    def __init__(self, problems: list[Problem], *, subject: str = "the manifest") -> None:
        self.problems = sorted(problems)
        count = len(self.problems)
        head = f"{words.count(count, 'problem')} in {subject}:"
        super().__init__("\n".join([head, *(f"  {p}" for p in self.problems)]))
