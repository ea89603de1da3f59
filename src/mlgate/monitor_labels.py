"""Labels that arrived after the rows (`mlgate monitor --labels`, `monitor.labels`),
joined to the production rows by data.id: ids compared as text, an id written another
way (`"007"`, `" 7"`, another letter case) refused rather than left out, since the rows
left out would make the labelled ones a biased part of the data."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mlgate import words
from mlgate.errors import UserError

if TYPE_CHECKING:
    import pandas as pd

    from mlgate.manifest.spec import Manifest


def with_labels(
    manifest: Manifest,
    table: pd.DataFrame,
    path: Path,
    shown: str,
    said: list[str],
    *,
    rows_from: str = "the production rows",
) -> pd.DataFrame:
    """`table` with the target filled in from the labels file, row by row through data.id
    (ids compared as text: a CSV's 7 and a Parquet's "7" are one row; an empty id is no
    row's, on either side)."""
    from mlgate.data import load

    key, target = manifest.data.id, manifest.data.target
    if key is None:
        raise UserError(
            f"{shown}: labels are joined to the rows by data.id, and the manifest names none",
            hint="set data.id to the column that identifies a row (docs/manifest.md)",
        )
    given = load.as_pandas(load.read(path, load.detect_format(path, "auto", renamed=True)))
    for column, kind in ((key, "data.id"), (target, "the target")):
        if column not in given.columns:
            raise UserError(
                f"{shown} has no column '{column}' ({kind}); its columns: "
                f"{words.clip(', '.join(map(str, given.columns)), 120)}"
            )
    if key not in table.columns:
        raise UserError(f"the production rows have no column '{key}' (data.id) to join to")
    blank = int(given[target].isna().sum())
    given = given[given[target].notna()]
    # an empty id names no row: joined as the text 'nan', it was the label of a row whose
    # id was empty too
    nameless = _no_id(given[key])
    given = given[~nameless]
    unnamed = int(nameless.sum())
    if given.empty:
        why = [f"{words.count(blank, 'row')} without one"] if blank else []
        why += [f"{words.count(unnamed, 'label')} without a {key}"] if unnamed else []
        raise UserError(
            f"{shown} holds no label"
            + (f" ({', '.join(why)})" if why else " (no row under its header)"),
            hint=f"write each labelled row's {key} and {target}",
        )
    if blank:  # left out, and said: they were dropped without a word
        said.append(f"{shown}: {words.count(blank, 'row')} without a label, left out")
    if unnamed:
        said.append(
            f"{shown}: {words.count(unnamed, 'label')} without an id ({key}, data.id), left "
            "out: an empty id names no row"
        )
    ids = given[key].map(key_of)
    _once_each(ids, f"{shown}: ", "give each row's label once")
    arrived = dict(zip(ids, given[target], strict=True))
    has_id = ~_no_id(table[key])
    if not has_id.any():
        raise UserError(
            f"{rows_from}: no row has an id ({key}, data.id) to join {shown}'s labels to",
            hint=f"export each row's {key} with it",
        )
    keys = table[key].map(key_of).where(has_id)  # no id: NaN, which joins nothing
    # a label joined to two rows would count twice ("labels for 307 of 620 rows" of 300);
    # rows without an id are no repeated id 'nan'
    _once_each(keys[has_id], f"{rows_from}: ", "each row's id (data.id) must be its own")
    if not has_id.all():
        missing = int((~has_id).sum())
        said.append(
            f"{rows_from}: {words.count(missing, 'row')} {'has' if missing == 1 else 'have'} "
            f"no id ({key}, data.id): no label is joined to {'it' if missing == 1 else 'them'}"
        )
    table = table.copy()
    labels = keys.map(arrived)
    had = table.get(target)
    if had is not None:  # a row labelled twice, differently: neither can be taken silently
        both = had.notna() & labels.notna()
        differ = both & (had[both].map(key_of) != labels[both].map(key_of)).reindex(
            had.index, fill_value=False
        )
        if differ.any():
            named = ", ".join(map(str, table.loc[differ, key].head(3).tolist()))
            raise UserError(
                f"{shown} and the rows' own {target} disagree for "
                f"{words.count(int(differ.sum()), 'row')} (ids {named}"
                f"{', ...' if differ.sum() > 3 else ''})",
                hint="give each row's label in one place, or the same in both",
            )
    table[target] = labels if had is None else had.where(had.notna(), labels)
    matched = int(keys.isin(arrived.keys()).sum())
    held = keys[has_id].tolist()
    if arrived and not matched:
        raise _none_joined(shown, key, list(arrived), held)
    stray_ids = set(arrived) - set(held)
    _written_alike(shown, key, stray_ids, set(held))
    strays = len(stray_ids)
    said.append(
        f"{shown}: labels for {words.of(matched, len(table), 'row')}"
        + (f"; the data has no row for {words.count(strays, 'label')}" if strays else "")
    )
    return table


def _written_alike(shown: str, key: str, strays: set[str], held: set[str]) -> None:
    """Labels whose ids match no row as written but would without leading zeros, spaces
    or letter case ("007" for 7, "U-7" for "u-7"): joined in part, the rest said to be
    "rows the data does not hold", the labelled rows were those ids >= 100 alone, a
    biased part of the data."""
    loose = {_loose(k): k for k in held}
    alike = sorted((s, loose[_loose(s)]) for s in strays if _loose(s) in loose)
    if alike:
        pairs = ", ".join(f"{words.clip(s, 40)!r} for {words.clip(r, 40)!r}" for s, r in alike[:3])
        raise UserError(
            f"{shown}: {words.count(len(alike), 'label')} "
            f"{'has an id' if len(alike) == 1 else 'have ids'} written otherwise than the "
            f"production rows' {key} (data.id) ({pairs}"
            f"{', ...' if len(alike) > 3 else ''}): joined as written they would be left out",
            hint=f"write {key} in the labels file as the production rows write it",
        )


def _loose(key: str) -> str:
    """An id with its spaces, leading zeros and letter case dropped: "007" and " 7" are 7,
    "U-7" is "u-7"."""
    stripped = key.strip().casefold()
    return (stripped.lstrip("0") or "0") if stripped.isdigit() else stripped


def _no_id(ids: pd.Series) -> pd.Series:
    """Which ids are missing: empty cells, or text of nothing but spaces."""
    return ids.isna() | (ids.astype(str).str.strip() == "")


def _none_joined(shown: str, key: str, given: list[str], held: list[str]) -> UserError:
    """Labels of which not one is a production row's: the run measured no figure and said
    so in a line, exit 0, where the ids were written two ways ("007" for 7)."""
    return UserError(
        f"{shown}: none of its {words.count(len(given), 'label')} is for a production row: "
        f"its {key} (data.id) holds {_some(given)} where the rows hold {_some(held)}",
        hint=f"write {key} in the labels file as the production rows write it",
    )


def _some(ids: list[str]) -> str:
    return ", ".join(repr(words.clip(i, 40)) for i in ids[:3]) + (", ..." if len(ids) > 3 else "")


def _once_each(ids: pd.Series, where: str, hint: str) -> None:
    """Ids that repeat, refused with a few of them named."""
    repeated = ids[ids.duplicated()]
    if len(repeated):
        named = ", ".join(repr(v) for v in list(dict.fromkeys(repeated))[:3])
        raise UserError(
            f"{where}{words.count(len(repeated), 'id')} "
            f"{'appears' if len(repeated) == 1 else 'appear'} more than once (such as {named})",
            hint=hint,
        )


def key_of(value: object) -> str:
    """A label as text, a whole float as its integer (a column with a gap reads 1 as 1.0)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
