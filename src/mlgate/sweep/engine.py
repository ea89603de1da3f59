"""Which engine runs a sweep, and what it is given: the manifest's configurations (a grid,
random draws), or trials Optuna asks for as the figures come in; run by the local pool,
or as tasks on a Ray cluster."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

from mlgate.errors import UserError
from mlgate.manifest.spec import Manifest
from mlgate.sweep import copies, local, space
from mlgate.sweep.local import Finished


@dataclass(frozen=True, kw_only=True)
class Where:
    workers: int  # configurations at once here; with Optuna, trials asked at once
    ray: str | None = None  # a Ray cluster's address: its tasks instead of the local pool

    def said(self) -> str:
        from mlgate import words

        if self.ray is None:
            return words.count(self.workers, "worker")
        return f"on the Ray cluster at {self.ray}"


def planned(manifest: Manifest, only: str, env: Mapping[str, str]) -> int:
    """How many configurations (or Optuna trials) the sweep will run, what it needs
    installed, and the baseline its winner is gated against, checked first."""
    from mlgate.compare import baseline

    baseline.named_ref_exists(manifest, env)
    if manifest.sweep.optuna:
        from mlgate.sweep import optuna_search

        optuna_search.require()
        return int(manifest.sweep.optuna["trials"])
    return len(space.only(space.of(manifest), only))


def sweep(
    manifest: Manifest,
    where: Where,
    *,
    only: str = "",
    on_done: Callable[[Finished], None] | None = None,
) -> list[Finished]:
    """Every configuration run (or found finished); with Optuna, each once, as asked."""
    run: Callable[[Sequence[space.Configuration]], list[Finished]]
    # Optuna's batches run one after another: each hashing the project anew ranked trials
    # of code edited between them together. Hashed once, each copy is checked against it.
    tree = copies.fingerprint_of(manifest) if manifest.sweep.optuna else None
    if where.ray is None:
        run = partial(local.sweep, manifest, workers=where.workers, on_done=on_done, tree=tree)
    else:
        from mlgate.sweep import on_ray

        run = partial(on_ray.sweep, manifest, address=where.ray, on_done=on_done, tree=tree)
    if not manifest.sweep.optuna:
        return run(space.only(space.of(manifest), only))
    if only:
        raise UserError(
            "--only names configurations of a plan, and an Optuna sweep has none made ahead",
            hint="run the whole search (without --only)",
        )
    from mlgate.sweep import optuna_search, ranking

    named = ranking.named_metric(manifest)
    if named is None:
        return _by_the_tasks_metric(manifest, run, where.workers)
    return optuna_search.search(manifest, run, batch=where.workers, metric=named)


class _Learnt(Exception):
    """A run said the task, and the search was ranking by another task's metric."""

    def __init__(self, metric: str) -> None:
        super().__init__(metric)
        self.metric = metric


def _by_the_tasks_metric(
    manifest: Manifest, run: Callable[[Sequence[space.Configuration]], list[Finished]], batch: int
) -> list[Finished]:
    """An Optuna search by the task's default metric where nothing names the metric or
    the task (it refused to start): a run learns the task from its model and target, so
    the search starts with classification's, and once a run says the task is another,
    starts again with that one's; its seeded asks are the same, and what ran is not run
    again."""
    from mlgate.sweep import optuna_search, ranking

    ran: dict[str, Finished] = {}
    guess = metric = ranking.metric_for(manifest, [])

    def learning(configurations: Sequence[space.Configuration]) -> list[Finished]:
        new = [c for c in configurations if c.id not in ran]
        ran.update({f.configuration.id: f for f in run(new)} if new else {})
        learnt = ranking.metric_for(manifest, list(ran.values()))
        if metric == guess != learnt:  # started again once, when first learnt
            raise _Learnt(learnt)
        return [ran[c.id] for c in configurations]

    try:
        return optuna_search.search(manifest, learning, batch=batch, metric=metric)
    except _Learnt as learnt:
        metric = learnt.metric
    return optuna_search.search(manifest, learning, batch=batch, metric=metric)
