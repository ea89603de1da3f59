"""Which extra a manifest's model file needs to be read, by its name: `.onnx` is scored
with onnxruntime (`mlgate[onnx]`), `.skops` loaded with skops (`mlgate[skops]`), as
model/loading.py reads them. `validate` says so where the reader is missing (a run trained,
then failed to load the model), and `mlgate init` installs the extra in the workflows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath


@dataclass(frozen=True)
class Reader:
    suffix: str
    extra: str  # mlgate's extra that installs it
    module: str  # what must be importable
    what: str  # the file, in words


MODEL_SUFFIXES = (".joblib", ".pkl", ".pickle", ".skops", ".onnx")  # what mlgate loads

READERS = (
    Reader(".onnx", "onnx", "onnxruntime", "an ONNX model, which mlgate scores with onnxruntime"),
    Reader(".skops", "skops", "skops", "a skops file, which mlgate loads with skops"),
)


def model_reader(raw: object) -> tuple[str, Reader] | None:
    """(train.outputs.model, its reader) for a manifest's raw mapping whose model file needs
    an extra; None for a joblib or pickle file, or a model read by the project's own
    functions (evaluate.predict), whose imports are its own."""
    if not isinstance(raw, dict):
        return None
    evaluate, train = raw.get("evaluate"), raw.get("train")
    if isinstance(evaluate, dict) and evaluate.get("predict") is not None:
        return None
    outputs = train.get("outputs") if isinstance(train, dict) else None
    named = outputs.get("model") if isinstance(outputs, dict) else None
    if not isinstance(named, str):
        return None
    suffix = PurePosixPath(named).suffix  # as loading reads it: by the name's own suffix
    found = next((r for r in READERS if r.suffix == suffix), None)
    return None if found is None else (named, found)
