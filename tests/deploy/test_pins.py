"""requirements.txt's pins, from a made-up installed world: the training record wins,
markers are judged for the image's Python, only the serve extra is followed."""

from __future__ import annotations

from mlgate.deploy import pins as P

WORLD = {  # name -> (installed version, requires)
    "mlgate": (
        "0.1.0",
        (
            "numpy>=1.26",
            "scikit-learn>=1.4",
            "pyyaml>=6",
            "starlette>=0.40; extra == 'serve'",
            "uvloop>=0.19; sys_platform != 'win32' and extra == 'serve'",
            "pytest>=8; extra == 'test'",
        ),
    ),
    "numpy": ("2.4.0", ()),
    "scikit-learn": ("1.9.0", ("numpy>=1.22", "scipy>=1.8", "joblib>=1.2")),
    "scipy": ("1.17.1", ("numpy<2.6,>=1.25",)),
    "joblib": ("1.6.0", ()),
    "PyYAML": ("6.0.3", ()),
    "starlette": ("1.10.0", ("anyio<5,>=4", "typing-extensions>=4.10; python_version < '3.13'")),
    "anyio": ("4.16.0", ("idna>=2.8", "exceptiongroup>=1.0.2; python_version < '3.11'")),
    "idna": ("3.13", ()),
    "uvloop": ("0.23.0", ()),
    "pytest": ("9.0.0", ()),
    # typing-extensions is not installed here: on 3.11 it is needed, so it stays a range
}


def resolve(python: str, recorded: dict[str, str] | None = None) -> dict[str, P.Pin]:
    found = P.resolve(
        recorded or {"numpy": "1.26.4", "scikit-learn": "1.4.2", "mlgate": "0.0.9"},
        ["mlgate[serve]"],
        P.Target(python=python),
        lookup=lambda name: WORLD.get(name) or WORLD.get(name.lower()),
    )
    return {p.name: p for p in found}


def test_the_training_record_wins_and_the_rest_is_pinned_as_installed() -> None:
    found = resolve("3.11.7")
    assert found["numpy"].line == "numpy==1.26.4" and found["numpy"].source == "training run"
    assert found["scikit-learn"].line == "scikit-learn==1.4.2"
    assert found["scipy"].line == "scipy==1.17.1" and found["scipy"].source == "installed"
    assert found["starlette"].line == "starlette==1.10.0" and "uvloop" in found
    assert found["typing-extensions"].line == "typing-extensions>=4.10"
    assert found["typing-extensions"].source == "unpinned"
    assert "mlgate" not in found and "pytest" not in found  # mlgate has a line of its own
    assert "exceptiongroup" not in found  # python_version < '3.11' is false for 3.11


def test_markers_are_judged_for_the_images_python() -> None:
    assert "typing-extensions" not in resolve("3.13.1")
    assert "exceptiongroup" in resolve("3.10.14")


def test_render_says_where_each_pin_comes_from() -> None:
    text = P.render(
        resolve("3.11.7").values(), "./wheels/mlgate-0.1.0-py3-none-any.whl", title="iris v0.1.0"
    )
    lines = text.splitlines()
    # "every package pinned" was untrue: a dependency not installed here keeps its range
    assert lines[0] == (
        "# iris v0.1.0: written by mlgate; each section says where its versions come from"
    )
    record = lines.index(
        "# the training run's packages, at the versions it recorded: the "
        "model was pickled with these"
    )
    assert lines[record + 1 : record + 3] == ["numpy==1.26.4", "scikit-learn==1.4.2"]
    assert lines[-1] == "./wheels/mlgate-0.1.0-py3-none-any.whl"
    # recorded at other versions than installed: their dependencies are the installed
    # ones' (pandas 2.2.3 needs pytz, 3.x does not), and the file says so
    drift = lines.index(
        "# recorded at another version than the one installed where this was written:"
    )
    assert lines[drift + 3 : drift + 5] == [
        "#   numpy==1.26.4 (2.4.0 installed)",
        "#   scikit-learn==1.4.2 (1.9.0 installed)",
    ]


def test_a_recorded_package_that_is_not_a_name_and_a_version_is_refused() -> None:
    """Each would be a line pip reads as an option or a second package, not a pin."""
    import pytest

    from mlgate.errors import UserError

    assert P.checked({"numpy": "1.26.4", "scikit_learn": "1.4.2"}) == {
        "numpy": "1.26.4",
        "scikit_learn": "1.4.2",
    }
    for bad in (
        {"numpy": "1.26.4\n--extra-index-url https://evil.example/simple"},
        {"numpy x": "1.26.4"},
        {"-r other.txt": "1"},
        {"numpy": "1.26.4; os_name == 'nt'"},
        {"numpy": "\u0661.26.4"},
        {"numpy": ">=1"},
    ):
        with pytest.raises(UserError, match="not a package name and an exact version"):
            resolve("3.11.7", bad)
