"""Sweeps: many training configurations from one manifest, run where users already run
them, ranked honestly.

    space.py          the configurations a `sweep:` section names (a grid, or random
                      draws), each with an id its params hash to; pure
    optuna_search.py  or trials Optuna's samplers ask for, told the ranking rows' figures
    matrix.py         the configurations as a GitHub Actions `strategy.matrix`, sharded
                      past GitHub's 256 jobs; pure
    engine.py         which engine runs them, given what
    local.py          here, each in a copy of the project and a worker process of its
                      own; resumed by what they hash to
    preload.py        what those workers' fork server loads once, for all of them
    on_ray.py         or as tasks on a Ray cluster, their runs written where local's are
    ranking.py        ranked on part of the test rows, the winner measured on the rest
    gating.py         the winner cut to its held-out rows, compared with the baseline,
                      decided
"""
