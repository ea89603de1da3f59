"""What `mlgate registry ACTION` shows: one typed handler per action, each giving the
document `--json` prints and the text a person reads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from mlgate.registry import view

if TYPE_CHECKING:
    from mlgate.manifest.spec import Manifest
    from mlgate.registry import operations
    from mlgate.registry.state import State


@dataclass(frozen=True, kw_only=True)
class Shown:
    text: str  # ends with a newline
    document: object = None  # what --json prints; None: the text is all there is (a card)


Handler = Callable[["operations.Where", "State", "Manifest", "str | None"], Shown]


def _listing(where: operations.Where, current: State, manifest: Manifest, _: str | None) -> Shown:
    doc = view.listing(current, manifest)
    return Shown(document=doc, text=view.listing_text(doc) + "\n")


def _version(where: operations.Where, current: State, _: Manifest, target: str | None) -> Shown:
    found = view.pick(current, target)
    return Shown(document=view.version_doc(found), text=view.version_text(current, found) + "\n")


def _history(
    where: operations.Where, current: State, manifest: Manifest, target: str | None
) -> Shown:
    if target is not None and target not in current.stages():  # a typo said "no promotions"
        from mlgate.registry.operations import declared_environment

        declared_environment(manifest, target)
    doc = view.history(current, target)
    return Shown(document=doc, text=view.history_text(doc) + "\n")


def _stats(where: operations.Where, current: State, manifest: Manifest, _: str | None) -> Shown:
    found = view.delivery(where, current, manifest)
    return Shown(document=[asdict(d) for d in found], text=view.stats_text(found) + "\n")


def _card(where: operations.Where, current: State, _: Manifest, target: str | None) -> Shown:
    return Shown(text=view.card_text(where, current, target))


HANDLERS: dict[str, Handler] = {
    "list": _listing,
    "show": _version,
    "history": _history,
    "stats": _stats,
    "card": _card,
}


def show(action: str, where: operations.Where, manifest: Manifest, target: str | None) -> Shown:
    """The registry read once, shown as `action` asks; `target` is a version or an
    environment, as the action takes."""
    return HANDLERS[action](where, where.read(), manifest, target)
