"""Load the trained model from the path the manifest names.

A pull request's model is as trusted as its code, and this runs in that pull
request's own job (DESIGN: trust follows the job), so joblib/pickle are allowed
here. `.skops` files load with only what skops itself trusts and a short list of mlgate's
(SKOPS_TRUSTED); `.onnx` files are scored with onnxruntime (model/onnx_model.py), which runs
no Python of theirs.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mlgate.manifest.spec import Manifest

# What a .skops file may hold beyond what skops trusts by default (scikit-learn's public
# estimator classes, NumPy's and SciPy's ufuncs, NumPy's dtypes, plain Python data): each
# named, never a module's prefix. `numpy.` trusted numpy.testing's runstring (an exec) and
# every other NumPy function, which a FunctionTransformer chained into running the file's
# own code in `mlgate serve` (audit Q, finding 1).
SKOPS_TRUSTED = frozenset(
    {
        "numpy.dtype",  # the class, as a fitted SimpleImputer keeps it
        # a HistGradientBoosting model with categorical features: its preprocessor checks
        # its input with check_array, through a partial (whose function skops checks too)
        "functools.partial",
        "sklearn.utils.validation.check_array",
    }
)
# the nodes of fitted trees: skops does not trust them by default, as scikit-learn does
# not bounds-check their indices; a crafted file can crash the process or read memory out
# of bounds at predict, though not run code. Trusted in a file a run trained or the
# registry holds, not in one served by its path that no run checked (docs/serve.md)
TREE_NODES = frozenset(
    {
        "sklearn.tree._tree.Tree",
        "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    }
)
# skops before 0.12 let a file reach Python's builtins through a method or operator node
# (CVE-2025-54412, CVE-2025-54413): whatever is trusted, such a file runs its own code
SKOPS_FIXED = (0, 12)


class ModelLoadError(Exception):
    """The file is there but is not a usable model; the message says why."""


def load(
    path: Path, *, suffix: str | None = None, shown: str | None = None, checked: bool = True
) -> Any:
    """`suffix` stands for the path's when the file was stored under another name; `shown`
    names the file in messages (default: its name), e.g. as the manifest does. `checked`:
    False for a `.skops` file from elsewhere that no run trained, which may not hold trees."""
    shown = shown or path.name
    if (suffix or path.suffix) == ".onnx":
        from mlgate.model import onnx_model

        try:
            return onnx_model.load(path, shown)
        except onnx_model.OnnxError as exc:
            raise ModelLoadError(str(exc)) from exc
    if (suffix or path.suffix) == ".skops":
        model = _load_skops(path, shown, SKOPS_TRUSTED | TREE_NODES if checked else SKOPS_TRUSTED)
    else:
        import joblib

        try:
            model = joblib.load(path)
        except Exception as exc:  # unpickling runs arbitrary code: any error can surface
            raise ModelLoadError(_cannot_unpickle(path, shown, exc)) from exc
    if not callable(getattr(model, "predict", None)):
        raise ModelLoadError(
            f"{shown} holds a {type(model).__name__}, which has no predict() method"
        )
    return model


def for_manifest(
    manifest: Manifest,
    path: Path,
    *,
    suffix: str | None = None,
    shown: str | None = None,
    trained_here: bool = True,
) -> Any:
    """The model as the manifest says to score it: the file itself, or the file behind the
    functions `evaluate.predict` (and `evaluate.predict_proba`) name, for a model that is
    not a scikit-learn estimator (PyTorch, XGBoost, a client of a service).
    `trained_here`: the model was trained from the files of the manifest's folder (the
    run's own, a git baseline's in its checkout). A registered version's was not: a
    function it pickled from the project's own modules may have changed here since, and
    such a model is refused (trained_elsewhere). `evaluate.predict`'s functions are
    this checkout's for every model: they read the model file, as the manifest says."""
    spec = manifest.evaluate
    if spec.predict is None and not trained_here:
        return trained_elsewhere(manifest.root, path, suffix=suffix, shown=shown)
    importable(manifest.root)
    if spec.predict is None:
        return load(path, suffix=suffix, shown=shown)
    os.environ["MLGATE_MODEL"] = str(path)  # for the module's own import
    predict = _entry_point(manifest, spec.predict, "evaluate.predict")
    named = _named(manifest, "evaluate.predict", spec.predict)
    if spec.predict_proba is None:
        return EntryPoint(predict, path, named)
    proba = _entry_point(manifest, spec.predict_proba, "evaluate.predict_proba")
    return ScoredEntryPoint(
        predict,
        path,
        proba,
        named,
        _named(manifest, "evaluate.predict_proba", spec.predict_proba),
    )


def _named(manifest: Manifest, key: str, function: str) -> str:
    """The function that ran as a message names it: "evaluate.predict_proba (mlops.yaml:35,
    scoring:predict_proba)". "model.predict_proba" blamed a method the user never wrote."""
    line = manifest.line_of(key)
    return f"{key} ({manifest.path.name}:{line}, {function})" if line else f"{key} ({function})"


class EntryPoint:
    """A model made of the user's function, called with the features as a DataFrame and
    MLGATE_MODEL naming its file at each call (a candidate and a baseline may be timed in
    one process, each function to see its own file). `predict_named`: the function as an
    evaluation's message names it."""

    def __init__(self, predict: Any, path: Path, named: str = "evaluate.predict") -> None:
        self._predict = predict
        self.path = str(path)
        self.predict_named = named

    def predict(self, features: Any) -> Any:
        os.environ["MLGATE_MODEL"] = self.path
        return self._predict(features)


class ScoredEntryPoint(EntryPoint):
    def __init__(
        self,
        predict: Any,
        path: Path,
        predict_proba: Any,
        named: str = "evaluate.predict",
        proba_named: str = "evaluate.predict_proba",
    ) -> None:
        super().__init__(predict, path, named)
        self._predict_proba = predict_proba
        self.predict_proba_named = proba_named

    def predict_proba(self, features: Any) -> Any:
        os.environ["MLGATE_MODEL"] = self.path
        return self._predict_proba(features)


_ROOTS: list[Path] = []  # the project folders `importable` put on sys.path, newest last


def importable(root: Path) -> None:
    """The project's own modules importable, first, as they were for its training command
    (run in its folder): a pickled model may hold a function of a module beside mlops.yaml
    (a FunctionTransformer's), and `evaluate.predict` names one. What another project's
    folder gave (a baseline's checkout, scored in the same process) is forgotten, so that
    each model finds its own commit's module, not the one imported first."""
    root = root.resolve()
    for other in [r for r in _ROOTS if r != root]:
        _forget(other)
    if root not in _ROOTS:
        _ROOTS.append(root)
    while str(root) in sys.path:
        sys.path.remove(str(root))
    sys.path.insert(0, str(root))
    importlib.invalidate_caches()


def _forget(root: Path) -> None:
    """`root` off sys.path, and what was imported through it out of sys.modules."""
    _ROOTS.remove(root)
    while str(root) in sys.path:
        sys.path.remove(str(root))
    for name, module in list(sys.modules.items()):
        if _imported_from(name, getattr(module, "__file__", None), root):
            del sys.modules[name]


def trained_elsewhere(
    root: Path, path: Path, *, suffix: str | None = None, shown: str | None = None
) -> Any:
    """A model trained at another commit (a registered version's: the one `mlgate monitor`
    watches and `mlgate serve VERSION` serves, a stage baseline's), refused where it holds
    code of the project's own modules (`root` is the manifest's folder): however that
    module is importable here (this folder on the path, PYTHONPATH, `python -m`, an
    editable install, imported already), it is this checkout's, which may differ from the
    one the model was trained with. Scoring production's model with a pull request's edit
    of it gave that edit's figures as production's; serving it with an uncommitted edit
    answered every request wrong, and its smoke test passed."""
    shown = shown or path.name
    refused = (
        "a model trained at another commit (a registered version's, a baseline's) is not "
        "scored with the project's code as it is now: keep the functions a model pickles in "
        "an installed, versioned package (pinned in the requirements), or save the model "
        "without them"
    )
    checkout = _checkout_of(root)
    with _modules_unpickled() as named:
        try:
            model = load(path, suffix=suffix, shown=shown)
        except ModelLoadError as exc:
            name, found = _projects_missing(root, exc)
            if found is not None:
                raise ModelLoadError(
                    f"could not load {shown}: the model needs the module '{name}', which is "
                    f"the project's own ({found}); {refused}"
                ) from exc
            raise
    own = sorted(m for m in named if _in_project(m, checkout))
    if own:
        raise ModelLoadError(
            f"could not load {shown}: the model holds code of the project's own module "
            f"'{own[0]}', which may have changed here since the model was trained; {refused}"
        )
    return model


def alone(
    root: Path,
    path: Path,
    *,
    suffix: str | None = None,
    shown: str | None = None,
    checked: bool = True,
) -> Any:
    """The model file loaded as it is, without the project's folder put on the path (`mlgate
    serve` of a run's model, whose workers load the file alone): a module it needs that is
    a file of the project's (`root`, the manifest's folder) is said to be the project's,
    not "not installed"."""
    shown = shown or path.name
    try:
        return load(path, suffix=suffix, shown=shown, checked=checked)
    except ModelLoadError as exc:
        name, found = _projects_missing(root, exc)
        if found is None:
            raise
        raise ModelLoadError(
            f"could not load {shown}: the model needs the module '{name}', which is the "
            f"project's own ({found}); the server loads the model file without the "
            "project's folder on the path, so such a module has to be importable where it "
            "runs: installed, or its folder on PYTHONPATH"
        ) from exc


def _projects_missing(root: Path, error: ModelLoadError) -> tuple[str | None, Path | None]:
    """The module a model could not load for want of (from the ModuleNotFoundError behind
    `error`), and the project's file that is that module, if one is: beside mlops.yaml,
    at the top of the git checkout or in its src/ (a monorepo's `ml/` imports `src/`)."""
    missing = error.__cause__
    name = missing.name if isinstance(missing, ModuleNotFoundError) else None
    top = (name or "").partition(".")[0]
    if not top:
        return name, None
    checkout = _checkout_of(root)
    found = [
        folder / f
        for folder in dict.fromkeys((root, checkout, checkout / "src"))
        for f in (f"{top}.py", top)
        if (folder / f).exists()
    ]
    return name, found[0] if found else None


_UNPICKLING = threading.Lock()  # one load at a time records what it names
_RECORDING = threading.local()  # this thread's set while it records (a load within a load)


@contextmanager
def _modules_unpickled() -> Iterator[set[str]]:
    """The modules a joblib or pickle file names as it is loaded (joblib's unpickler is
    pickle's Python one: its `find_class` is where each is looked up). A load within a
    load (a model whose unpickling loads another) records into the outer one's set."""
    import pickle

    from joblib import numpy_pickle

    outer = getattr(_RECORDING, "named", None)
    if outer is not None:
        yield outer
        return
    named: set[str] = set()
    unpickler = numpy_pickle.NumpyUnpickler
    with _UNPICKLING:
        own = unpickler.__dict__.get("find_class")

        def find_class(self: Any, module: str, name: str) -> Any:
            named.add(module)
            return (own or pickle._Unpickler.find_class)(self, module, name)

        unpickler.find_class = find_class
        _RECORDING.named = named
        try:
            yield named
        finally:
            _RECORDING.named = None
            if own is None:
                del unpickler.find_class
            else:
                unpickler.find_class = own


def _checkout_of(root: Path) -> Path:
    """The git checkout the project's folder is in (a monorepo's `ml/` imports `src/`), or
    the folder itself outside one; as a path that module files name, symlinks resolved."""
    for folder in (root.resolve(), *root.resolve().parents):
        if (folder / ".git").exists():
            return folder
    return root.resolve()


# where an environment kept inside a project holds what is installed, not the project's
_INSTALLED = {"site-packages", "dist-packages", "__pypackages__"}


def _in_project(module: str, checkout: Path) -> bool:
    """Whether `module` was imported from a file of the checkout (through a symlink too),
    not from what is installed: an environment kept inside it (its site-packages, as its
    path names it, even where that links into a cache), the standard library (by where
    it is, not by name: the project's own statistics.py is the project's)."""
    file = getattr(sys.modules.get(module), "__file__", None)
    if file is None:
        return False
    named = Path(file).absolute()
    if _INSTALLED & set(named.parts) or _in_standard_library(named):
        return False
    return any(where.is_relative_to(checkout) for where in {named, named.resolve()})


def _in_standard_library(path: Path) -> bool:
    import sysconfig

    paths = sysconfig.get_paths()
    return any(
        path.is_relative_to(Path(paths[key]).absolute())
        for key in ("stdlib", "platstdlib")
        if key in paths
    )


def _imported_from(name: str, file: str | None, folder: Path) -> bool:
    """Whether module `name` was found on sys.path through `folder` itself: its
    `textprep.py`, its package `pkg/`; not a virtual environment kept inside it
    (`.venv/.../numpy`), whose modules must never be imported twice."""
    if file is None or not Path(file).is_relative_to(folder):
        return False
    first = Path(file).relative_to(folder).parts[0]
    return first.partition(".")[0] == name.partition(".")[0]


def _entry_point(manifest: Manifest, named: str, key: str) -> Any:
    """`module:function`, imported from the project's folder (the manifest's)."""
    module_name, _, function = named.partition(":")
    top = module_name.partition(".")[0]
    cached = getattr(sys.modules.get(top), "__file__", None)
    if cached and not Path(cached).is_relative_to(sys.prefix):  # another project's, or stale
        for name in [m for m in sys.modules if m == top or m.startswith(top + ".")]:
            del sys.modules[name]
        importlib.invalidate_caches()
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            raise ModelLoadError(
                f"{key} names the module '{module_name}', which is neither a file in "
                f"{manifest.root} nor installed"
            ) from exc
        raise ModelLoadError(
            f"{key}: importing '{module_name}' failed: it needs the module '{exc.name}', "
            "which is not installed where mlgate runs"
        ) from exc
    except Exception as exc:  # the user's module: any error is theirs to see
        raise ModelLoadError(
            f"{key}: importing '{module_name}' failed: {type(exc).__name__}: {exc}"
        ) from exc
    found = getattr(module, function, None)
    if not callable(found):
        raise ModelLoadError(
            f"{key} names '{function}', which {module_name} "
            + ("defines but cannot be called" if found is not None else "does not define")
        )
    return found


def _load_skops(path: Path, shown: str, trusted: frozenset[str]) -> Any:
    try:
        import skops
        from skops import io as sio
    except ImportError as exc:
        raise ModelLoadError(
            f"{shown} is a skops file, and skops is not installed (pip install 'mlgate[skops]')"
        ) from exc
    if _release(skops.__version__) < SKOPS_FIXED:
        raise ModelLoadError(
            f"{shown} is not loaded with skops {skops.__version__}, which lets a file run "
            "code of its own (CVE-2025-54412, CVE-2025-54413): pip install 'skops>=0.12'"
        )
    try:
        untrusted = sio.get_untrusted_types(file=path)
        refused = sorted(set(untrusted) - trusted)
        if refused and set(refused) <= TREE_NODES:
            raise ModelLoadError(_unchecked_trees(shown))
        if refused:
            raise ModelLoadError(_untrusted(shown, refused))
        return sio.load(path, trusted=untrusted)
    except ModelLoadError:
        raise
    except Exception as exc:
        raise ModelLoadError(f"could not load {shown}: {type(exc).__name__}: {exc}") from exc


def _untrusted(shown: str, refused: list[str]) -> str:
    """Why a .skops file is refused before anything in it is loaded, and what to do."""
    listed = ", ".join(refused[:10]) + (f" (and {len(refused) - 10} more)" if refused[10:] else "")
    return (
        f"{shown} holds types mlgate does not trust in a .skops file: {listed}. Only "
        "scikit-learn's estimators, NumPy's and SciPy's ufuncs, plain data (what skops "
        "trusts) and, in a model a run trained, fitted trees' nodes are: other functions, "
        "NumPy's too, can be chained into running code the file chose. A model of your "
        "own that needs them: save it with joblib as train.outputs.model, which loads where "
        "its run trained it and from the registry, never from a path given on the command line"
    )


def _unchecked_trees(shown: str) -> str:
    return (
        f"{shown} holds fitted trees, and no run trained it: scikit-learn does not check a "
        "tree's node indices, so a tree from a file nobody checked can crash the server or "
        "read memory it should not. Serve it as a run's model (train.outputs.model, after "
        "mlgate run) or a registered version, which are checked before they are served"
    )


def _release(version: str) -> tuple[int, ...]:
    """`0.12.1rc1` as (0, 12, 1): the numbers of a version before anything else."""
    numbers = re.match(r"\d+(\.\d+)*", version)
    return tuple(int(n) for n in numbers.group().split(".")) if numbers else (0,)


# how joblib's files begin: a pickle (protocol 2 and later), or one compressed by joblib
PICKLE_STARTS = (b"\x80", b"\x78", b"\x1f\x8b", b"BZh", b"\xfd7zXZ", b"\x5d\x00\x00", b'\x04"M\x18')
# files a model is often saved as instead, by how they begin
OTHER_FORMATS = (
    (b"PK\x03\x04", "a zip archive (as PyTorch, Keras and skops write models)"),
    (b"\x89HDF\r\n\x1a\n", "an HDF5 file (as Keras writes .h5 models)"),
    (b"{", "JSON text (as XGBoost and LightGBM can write models)"),
)
ADVICE = "write the model with joblib.dump(model, path) or pickle.dump, or as a .skops file"
# an ONNX model is a protobuf ModelProto: ir_version (field 1, a varint) first, then what
# the exporters write next: producer_name, producer_version, domain, model_version,
# doc_string, graph or opset_import (fields 2 to 8)
ONNX_START = re.compile(rb"\x08[\x01-\x7f][\x12\x1a\x22\x28\x32\x3a\x42]", re.DOTALL)


def _cannot_unpickle(path: Path, shown: str, exc: Exception) -> str:
    """Why, in the terms of the file: empty, another format, a module that is missing, or
    a pickle that is broken; unpickling's own errors (`KeyError: 110`) say none of it."""
    said = f"could not load {shown}"
    try:
        with path.open("rb") as file:
            head = file.read(8)
    except OSError as error:
        return f"{said}: {error.strerror}"
    if not head:
        return f"{said}: the file is empty; {ADVICE}"
    other = next((what for start, what in OTHER_FORMATS if head.startswith(start)), None)
    if other is not None:
        return f"{said}: it is {other}, not a joblib or pickle file; {ADVICE}"
    if ONNX_START.match(head):  # exported to ONNX, saved under the manifest's default name
        return (
            f"{said}: it is an ONNX model, which is read as one only from a file whose name "
            "ends in .onnx: write it there and name that path in train.outputs.model "
            "(models/model.onnx), with mlgate[onnx] installed"
        )
    if not head.startswith(PICKLE_STARTS):
        return f"{said}: it does not begin as a joblib or pickle file does; {ADVICE}"
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        return (
            f"{said}: the model needs the module '{exc.name}', which is not installed where "
            "mlgate runs (the action's `extras` input, or the requirements the job installs)"
        )
    return f"{said}: {type(exc).__name__}: {exc} (the file begins as a pickle: is it cut short?)"
