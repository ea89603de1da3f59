"""The published action this mlgate's workflows call, pinned by commit: what `mlgate
init` writes and the templates carry (a test keeps them equal). A release updates it."""

REPOSITORY = "mlgate/mlgate"
COMMIT = "885f0bd6f9d9d76dd2878ef988c9424b88c8a0fb"
TAG = "v0.30.1"  # the version comment beside the pin; always "v" + mlgate.__version__


def uses(repository: str = REPOSITORY, commit: str = COMMIT, tag: str = TAG) -> str:
    return f"{repository}@{commit} # {tag}"
