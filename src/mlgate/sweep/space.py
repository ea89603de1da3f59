"""The configurations a `sweep:` section names: every combination of a grid, in the
order the manifest writes its keys and values, or `samples` random draws from ranges and
choices, seeded. Each configuration is a set of params-file values by path (`train.C`),
with an id its values hash to, so the same configuration has the same id wherever the
plan is made (a matrix job, a resumed sweep, another machine)."""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlgate import words

if TYPE_CHECKING:
    from mlgate.manifest.spec import Manifest, Sweep

ID_LENGTH = 12


@dataclass(frozen=True)
class Range:
    """Values between low and high: uniform, on a log scale, or whole numbers."""

    low: float
    high: float
    log: bool = False
    integer: bool = False

    def draw(self, rng: random.Random) -> float | int:
        if not self.integer:
            return float(f"{self._uniform(rng, self.low, self.high):.6g}")
        # the whole numbers within the range, as Optuna reads it: rounding a draw from
        # {low: 0.2, high: 0.8} gave 0 and 1, both outside it
        low = math.ceil(self.low)
        return round(self._uniform(rng, low, max(low, math.floor(self.high))))

    def _uniform(self, rng: random.Random, low: float, high: float) -> float:
        if self.log:
            return math.exp(rng.uniform(math.log(low), math.log(high)))
        return rng.uniform(low, high)


Choices = tuple[Any, ...]
Dimension = Choices | Range


@dataclass(frozen=True, kw_only=True)
class Configuration:
    id: str
    params: Mapping[str, Any]  # params-file path -> value

    def label(self) -> str:
        """`train.C=0.1, train.max_iter=200`, for a table row or a log line."""
        return words.assignments(self.params)


def grid(dimensions: Mapping[str, Sequence[Any]]) -> list[Configuration]:
    """Every combination, the first key's values changing slowest; a value listed twice
    gives its configurations once. A grid past the cap is refused before it is built (a
    product of four lists of 100 would not finish)."""
    from mlgate.errors import UserError
    from mlgate.manifest.semantic_checks import MAX_CONFIGURATIONS

    keys = list(dimensions)
    count = math.prod(len(dimensions[k]) for k in keys)
    if count > MAX_CONFIGURATIONS:
        raise UserError(
            f"sweep.grid makes {count:,} configurations, more than the "
            f"{MAX_CONFIGURATIONS:,} a sweep may run",
            hint="list fewer values, or draw sweep.random samples from the same space "
            "(numbers from a range, {low: ..., high: ...})",
        )
    found: dict[str, Configuration] = {}
    for values in itertools.product(*(dimensions[k] for k in keys)):
        made = configuration(dict(zip(keys, values, strict=True)))
        found.setdefault(made.id, made)
    return list(found.values())


def sampled(dimensions: Mapping[str, Dimension], samples: int, seed: int) -> list[Configuration]:
    """`samples` draws, each dimension in the manifest's order; a draw that repeats an
    earlier one (few choices) is left out, so no configuration runs twice."""
    rng = random.Random(seed)
    found: dict[str, Configuration] = {}
    for _ in range(samples):
        drawn = {
            key: dim.draw(rng) if isinstance(dim, Range) else rng.choice(dim)
            for key, dim in dimensions.items()
        }
        made = configuration(drawn)
        found.setdefault(made.id, made)
    return list(found.values())


def configuration(params: Mapping[str, Any]) -> Configuration:
    return Configuration(id=identity(params), params=dict(params))


def identity(params: Mapping[str, Any]) -> str:
    """The hash of the values, keys sorted: the same configuration, the same id."""
    text = json.dumps(dict(sorted(params.items())), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:ID_LENGTH]


def configurations(spec: Sweep) -> list[Configuration]:
    """The manifest's sweep: its grid, or its random draws."""
    if spec.grid:
        return grid(spec.grid)
    dimensions = ranges(spec.random.get("space") or {})
    return sampled(dimensions, int(spec.random.get("samples", 0)), int(spec.random.get("seed", 0)))


@dataclass(frozen=True, kw_only=True)
class Draws:
    """Random draws and what they made: a draw that repeats an earlier one is left out."""

    samples: int
    configurations: int

    @property
    def repeated(self) -> int:
        return self.samples - self.configurations

    def said(self) -> str:
        """`6 draws, 2 repeated: 4 configurations`."""
        return (
            f"{words.count(self.samples, 'draw')}, {self.repeated:,} repeated: "
            f"{words.count(self.configurations, 'configuration')}"
        )

    def document(self) -> dict[str, int]:
        return {
            "samples": self.samples,
            "repeated": self.repeated,
            "configurations": self.configurations,
        }


def draws(spec: Sweep) -> Draws | None:
    """A random sweep's draws and the configurations they made (None for a grid or an
    Optuna search): `samples: 6` over a space of few values made 4, which nothing said."""
    if spec.grid or not spec.random or spec.optuna:
        return None
    made = configurations(spec)
    return Draws(samples=int(spec.random.get("samples", 0)), configurations=len(made))


def repeats(spec: Sweep) -> str:
    """`6 draws, 2 repeated: 4 configurations` when random draws repeated; else empty."""
    drawn = draws(spec)
    return drawn.said() if drawn is not None and drawn.repeated else ""


def ranges(space: Mapping[str, Any]) -> dict[str, Dimension]:
    """A `space:` as written: params path -> a list of choices, or {low, high, log, integer}."""
    return {
        key: tuple(dim)
        if isinstance(dim, list | tuple)
        else Range(
            low=dim["low"],
            high=dim["high"],
            log=bool(dim.get("log", False)),
            integer=bool(dim.get("integer", False)),
        )
        for key, dim in space.items()
    }


def of(manifest: Manifest) -> list[Configuration]:
    """The manifest's configurations; a manifest without a sweep says how to add one."""
    from mlgate.errors import UserError

    if not manifest.sweep.declared:
        raise UserError(
            f"{manifest.path.name} has no sweep: section",
            hint="add one, e.g. `sweep: {grid: {train.C: [0.1, 1, 10]}}` (docs/sweep.md)",
        )
    if manifest.sweep.optuna:
        raise UserError(
            "an Optuna sweep asks each trial's values after the trials before it, so there "
            "are no configurations to plan ahead (a matrix, --only, collect)",
            hint="run it with `mlgate sweep` (here, or on a Ray cluster with --ray); for a "
            "matrix of jobs, name a grid or random draws",
        )
    return configurations(manifest.sweep)


def only(made: Sequence[Configuration], ids: str) -> list[Configuration]:
    """The configurations a matrix job was given, by id (comma-separated; none: all). An
    id the plan lacks is refused: the job read another manifest than the plan."""
    from mlgate.errors import UserError

    wanted = list(dict.fromkeys(i.strip() for i in ids.split(",") if i.strip()))  # once each
    if not wanted:
        return list(made)
    known = {c.id: c for c in made}
    unknown = [i for i in wanted if i not in known]
    if unknown:
        makes = words.clip(", ".join(f"{c.id} ({c.label()})" for c in made), 300)
        raise UserError(
            f"{', '.join(unknown)}: not a configuration this manifest's sweep makes (it "
            f"makes: {makes})",
            hint="the plan and the job must read the same manifest and params file",
        )
    return [known[i] for i in wanted]
