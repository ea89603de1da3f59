"""One sticky issue per model: opened on an alarm, updated while it lasts, closed when it
clears, reopened when it returns.

Found by label, hidden marker and author, like the sticky comment: an issue someone else
wrote with the marker pasted in is never touched. GitHub has no compare-and-swap for
issues, so which of several concurrent runs may create one is decided by the caller (the
monitoring history's order); the others update what it made, waiting a little for it to
appear.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from mlgate.github.comments import identity
from mlgate.github.http import GitHub, UncertainWrite

SETTLE_S = 2.0  # between looks for an issue another run (or a lost answer) is making
POST_TRIES = 3

Action = Literal["created", "updated", "unchanged", "closed", "reopened", "none"]


@dataclass(frozen=True, kw_only=True)
class IssueOutcome:
    action: Action
    number: int | None = None
    html_url: str = ""
    duplicates: int = 0  # other open issues of ours with the marker, left alone
    note: str = ""  # why nothing was done


@dataclass(frozen=True)
class Tracker:
    """A repository's issues, as seen by one identity looking for one marker and label."""

    gh: GitHub
    owner: str
    repo: str
    marker: str
    label: str
    login: str

    @classmethod
    def of(
        cls, gh: GitHub, repository: str, *, marker: str, label: str, author: str | None = None
    ) -> Tracker:
        owner, _, repo = repository.partition("/")
        return cls(gh, owner, repo, marker, label, identity(gh, author))

    @property
    def path(self) -> str:
        return f"/repos/{self.owner}/{self.repo}/issues"

    def ours(self) -> list[dict[str, Any]]:
        """Our marked issues (pull requests are issues too: left out), oldest first."""
        params = {"labels": self.label, "state": "all", "creator": self.login}
        found = [
            i
            for page in self.gh.paginate(self.path, params)
            for i in page
            if isinstance(i, dict)
            and "pull_request" not in i
            and self.marker in (i.get("body") or "")
            and (i.get("user") or {}).get("login") == self.login
        ]
        return sorted(found, key=lambda i: int(i["number"]))

    def open(
        self,
        title: str,
        body: str,
        *,
        since: str | None = None,
        may_open: bool = True,
        wait_s: float = 0.0,
    ) -> IssueOutcome:
        """Our open issue brought up to `title` and `body`. The run that opens an alarm
        (`since` None) reopens our newest closed issue, or creates one. A run that follows
        (the alarm began at `since`) leaves an issue closed since then alone (a maintainer
        closed it), and otherwise waits up to `wait_s` for the opener's, unless it
        `may_open` in its stead."""
        body = _marked(body, self.marker)
        looks = 1 + int(wait_s // SETTLE_S)
        for look in range(looks):
            if look:
                self.gh.wait(SETTLE_S, "")
            ours = self.ours()
            opened = [i for i in ours if i.get("state") == "open"]
            if opened:
                return self._updated(opened[0], title, body, len(opened) - 1)
            closed = ours[-1] if ours else None
            if closed is not None and since and (closed.get("closed_at") or "") >= since:
                return IssueOutcome(
                    action="none",
                    number=int(closed["number"]),
                    html_url=str(closed.get("html_url", "")),
                    note=f"our issue #{closed['number']} was closed while the alarm lasted: "
                    "left closed",
                )
            if since is None or may_open:
                if closed is not None:
                    changed = self._patch(closed, title=title, body=body, state="open")
                    return _outcome("reopened", changed)
                return self._create(title, body)
        return IssueOutcome(
            action="none",
            note="no issue of ours is open yet, and the run that opens this alarm is making it",
        )

    def close(self, body: str) -> IssueOutcome:
        """Our open issues closed as completed, the first with `body`."""
        opened = [i for i in self.ours() if i.get("state") == "open"]
        if not opened:
            return IssueOutcome(action="none", note="no issue of ours is open")
        first = self._patch(
            opened[0], body=_marked(body, self.marker), state="closed", state_reason="completed"
        )
        for other in opened[1:]:
            self._patch(other, state="closed", state_reason="completed")
        return _outcome("closed", first)

    def _updated(
        self, issue: dict[str, Any], title: str, body: str, duplicates: int
    ) -> IssueOutcome:
        if issue.get("title") == title and issue.get("body") == body:
            return _outcome("unchanged", issue, duplicates)
        return _outcome("updated", self._patch(issue, title=title, body=body), duplicates)

    def _create(self, title: str, body: str) -> IssueOutcome:
        """POSTed again only once a look finds no issue: an answer lost on the way back
        (a timeout under load) never leaves two issues."""
        for _ in range(POST_TRIES):
            try:
                made = self.gh.request(
                    "POST", self.path, json={"title": title, "body": body, "labels": [self.label]}
                ).data
                return _outcome("created", made)
            except UncertainWrite:
                self.gh.wait(SETTLE_S, "")  # a write that did happen needs time to be listed
                found = [i for i in self.ours() if i.get("state") == "open"]
                if found:
                    return _outcome("created", found[0], len(found) - 1)
        raise UncertainWrite(
            f"POST {self.path}: no answer after {POST_TRIES} tries, and no issue of ours appeared",
            method="POST",
            path=self.path,
        )

    def _patch(self, issue: dict[str, Any], **fields: str) -> dict[str, Any]:
        where = f"{self.path}/{issue['number']}"
        changed: dict[str, Any] = self.gh.request("PATCH", where, json=fields).data
        return changed


def _marked(body: str, marker: str) -> str:
    return body if marker in body else f"{body.rstrip()}\n\n{marker}\n"


def _outcome(action: Action, issue: dict[str, Any], duplicates: int = 0) -> IssueOutcome:
    return IssueOutcome(
        action=action,
        number=int(issue["number"]),
        html_url=str(issue.get("html_url", "")),
        duplicates=duplicates,
    )
