"""The published action this mlgate's workflows call, pinned by commit: what `mlgate
init` writes and the templates carry (a test keeps them equal). A release updates it."""

REPOSITORY = "mlgate/mlgate"
COMMIT = "7a18d986a52e0b291aa1b7bf2d813f1a0cc316aa"
TAG = "v0.2.0"  # the version comment beside the pin; always "v" + mlgate.__version__


def uses(repository: str = REPOSITORY, commit: str = COMMIT, tag: str = TAG) -> str:
    return f"{repository}@{commit} # {tag}"
