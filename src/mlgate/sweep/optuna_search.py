"""A sweep whose configurations Optuna's samplers choose (`sweep.optuna`, mlgate[optuna]),
through its ask-and-tell interface: a batch of trials asked at once (as many as run at
once), run by the engine the sweep uses (the local pool, or Ray), each told its figure on
the rows that rank, never the held-out rows, so the winner's held-out figure stays one
that played no part in choosing it. The next batch is asked of what the sampler was told.

Seeded, a sampler asks the same values when told the same figures: a resumed search
finds the same configurations finished and runs only what is left.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from mlgate.errors import UserError
from mlgate.manifest.metrics import METRICS
from mlgate.manifest.spec import Manifest
from mlgate.sweep import ranking, space
from mlgate.sweep.local import Finished

Engine = Callable[[Sequence[space.Configuration]], list[Finished]]


def search(manifest: Manifest, engine: Engine, *, batch: int, metric: str) -> list[Finished]:
    """`sweep.optuna.trials` trials, `batch` at a time; each configuration once, in the
    order first asked (a trial that asks values already run is told their figure)."""
    optuna = _optuna()
    spec = manifest.sweep.optuna
    trials = int(spec["trials"])
    study = optuna.create_study(
        direction="maximize" if METRICS[metric].greater_is_better else "minimize",
        sampler=_sampler(optuna, str(spec.get("sampler", "tpe")), int(spec.get("seed", 0))),
    )
    dimensions = {k: _distribution(optuna, d) for k, d in space.ranges(spec["space"]).items()}
    found: dict[str, Finished] = {}
    asked = 0
    while asked < trials:
        batch_trials = [study.ask(dimensions) for _ in range(min(max(1, batch), trials - asked))]
        asked += len(batch_trials)
        chosen = [space.configuration(_plain(t.params)) for t in batch_trials]
        new = list({c.id: c for c in chosen if c.id not in found}.values())
        found.update({f.configuration.id: f for f in engine(new)})
        for trial, c in zip(batch_trials, chosen, strict=True):
            figure = ranking.choosing_figure(
                manifest.root, found[c.id], metric, manifest.sweep.holdout
            )
            if figure is None:  # no run, or no figure: the sampler learns to avoid it
                study.tell(trial, state=optuna.trial.TrialState.FAIL)
            else:
                study.tell(trial, figure)
    return list(found.values())


def require() -> None:
    """Optuna is installed, or a UserError says how to install it: before a search starts."""
    import importlib.util

    if importlib.util.find_spec("optuna") is None:
        raise UserError(
            "sweep.optuna names Optuna's samplers, and Optuna is not installed",
            hint="pip install 'mlgate[optuna]'",
        )


def _optuna() -> Any:
    require()
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def _sampler(optuna: Any, name: str, seed: int) -> Any:
    samplers = optuna.samplers
    if name == "cmaes":
        import importlib.util

        if importlib.util.find_spec("cmaes") is None:  # Optuna's CMA-ES sampler needs it
            raise UserError(
                "sweep.optuna.sampler: cmaes needs the cmaes package",
                hint="pip install cmaes, or name tpe, random or qmc",
            )
        return samplers.CmaEsSampler(seed=seed)
    if name == "qmc":
        return samplers.QMCSampler(seed=seed, warn_independent_sampling=False)
    if name == "random":
        return samplers.RandomSampler(seed=seed)
    return samplers.TPESampler(seed=seed)


def _distribution(optuna: Any, dim: space.Dimension) -> Any:
    shapes = optuna.distributions
    if isinstance(dim, space.Range):
        if dim.integer:
            low, high = math.ceil(dim.low), math.floor(dim.high)
            return shapes.IntDistribution(low, max(low, high), log=dim.log)
        return shapes.FloatDistribution(dim.low, dim.high, log=dim.log)
    return shapes.CategoricalDistribution(list(dim))


def _plain(params: dict[str, Any]) -> dict[str, Any]:
    """A float to 6 significant digits, as random draws are: the params file and the
    configuration's id read 0.0123457, not 0.012345678901234567."""
    return {k: float(f"{v:.6g}") if isinstance(v, float) else v for k, v in params.items()}
