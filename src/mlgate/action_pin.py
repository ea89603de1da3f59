"""The published action this mlgate's workflows call, pinned by commit: what `mlgate
init` writes and the templates carry (a test keeps them equal). A release updates it."""

REPOSITORY = "mlgate/mlgate"
COMMIT = "85a1f3d30976ff2e61828005d26b9f849812ccbd"
TAG = "v0.31.0"  # the version comment beside the pin; always "v" + mlgate.__version__


def uses(repository: str = REPOSITORY, commit: str = COMMIT, tag: str = TAG) -> str:
    return f"{repository}@{commit} # {tag}"
