"""The published action this mlgate's workflows call, pinned by commit: what `mlgate
init` writes and the templates carry (a test keeps them equal). A release updates it."""

REPOSITORY = "mlgate/mlgate"
COMMIT = "292c08ac5354bdda37f559a8d227bbe8ff512f2c"
TAG = "v0.16.0"  # the version comment beside the pin; always "v" + mlgate.__version__


def uses(repository: str = REPOSITORY, commit: str = COMMIT, tag: str = TAG) -> str:
    return f"{repository}@{commit} # {tag}"
