"""How many checks passed, failed, could not be judged or were skipped, in one phrase for
every place that counts them (the progress line, `check data`, the report's headings),
so none counts an error as a failure or a skipped check as passed."""

from __future__ import annotations

from collections.abc import Sequence

from mlgate import words
from mlgate.result.records import CheckResult


def checks(found: Sequence[CheckResult], *, always_noun: bool = False) -> str:
    """ "5 of 9 passed, 1 failed, 1 error, 2 skipped" ("5 of 9 checks" `always_noun`;
    "9 checks passed" when all did): a skipped check (an optional column that is absent,
    say) is neither passed nor failed, and one that could not be evaluated (a rule that
    does not apply to the column) is an error, not the data's failure."""
    failed = sum(c.status == "failed" for c in found)
    errors = sum(c.status == "error" for c in found)
    skipped = sum(c.status == "skipped" for c in found)
    passed = len(found) - failed - errors - skipped
    if not failed and not errors and not skipped:
        return f"{words.count(passed, 'check')} passed"
    total = len(found)
    head = words.of(passed, total, "check") if always_noun else f"{passed:,} of {total:,}"
    said = f"{head} passed" + (f", {failed:,} failed" if failed else "")
    said += f", {words.count(errors, 'error')}" if errors else ""
    return said + (f", {skipped:,} skipped" if skipped else "")
