"""The published action this mlgate's workflows call, pinned by commit: what `mlgate
init` writes and the templates carry (a test keeps them equal). A release updates it."""

REPOSITORY = "mlgate/mlgate"
COMMIT = "18787094f26f860104465ec7ad835a2ca0804bd5"
TAG = "v0.29.0"  # the version comment beside the pin; always "v" + mlgate.__version__


def uses(repository: str = REPOSITORY, commit: str = COMMIT, tag: str = TAG) -> str:
    return f"{repository}@{commit} # {tag}"
