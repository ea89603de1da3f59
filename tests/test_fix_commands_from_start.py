"""The whole commands mlgate prints to fix a data file (iconv for text that is not UTF-8,
tr for lines ended by CR alone) name the file from where mlgate was started, as every
path it prints (README: "-C DIR ... the paths it prints are still from where you started
it: relative there, absolute outside it"), quoted for the shell.

They were from the manifest's folder: in a repository whose top has its own
data/test.csv and a project at ml/churn, `mlgate -C ml/churn validate` printed
`iconv ... data/test.csv > data/test.csv.utf8 && mv ...`, which, run as printed from
the top, rewrote the top's own file (double-encoded) and left the project's Latin-1 one.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.test_cli import mlgate

TOP_TEST = "x,name\n1,caf\u00e9\n".encode()  # the repository top's own file, UTF-8
LATIN = "x,name,y\n" + "".join(f"{i},caf\u00e9,{i % 2}\n" for i in range(40))
TRAIN = "x,name,y\n" + "".join(f"{i},tea,{i % 2}\n" for i in range(40))
MANIFEST = """\
name: churn
data:
{prepare}  train: data/train.csv
  test: data/test.csv
  target: y
train:
  command: python train.py
"""
# writes the test file as Latin-1, as an export from an old system did
PREP = f"""\
import os
from pathlib import Path
Path(os.environ["MLGATE_DATA_TEST"]).write_bytes({LATIN.encode("latin-1")!r})
"""
FIX = re.compile(r"e\.g\. ((?:iconv|tr) .*?)$", re.MULTILINE)


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def _repository(tmp_path: Path, project: str, *, prepare: bool, test: bytes) -> Path:
    """A git repository whose top has a data/test.csv of its own, and a project in
    `project` below it whose test file is `test` (or written so by data.prepare)."""
    top = tmp_path / "repo"
    (top / "data").mkdir(parents=True)
    (top / "data/test.csv").write_bytes(TOP_TEST)
    folder = top / project
    (folder / "data").mkdir(parents=True)
    (folder / "data/train.csv").write_text(TRAIN)
    (folder / "train.py").write_text("raise SystemExit('never trained here')\n")
    (folder / "mlops.yaml").write_text(
        MANIFEST.format(prepare="  prepare: python prep.py\n" if prepare else "")
    )
    if prepare:
        (folder / "prep.py").write_text(PREP)
    else:
        (folder / "data/test.csv").write_bytes(test)
    _git("init", "-q", cwd=top)
    _git("add", ".", cwd=top)
    _git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "data", cwd=top)
    return top


def _fix(said: str) -> str:
    """The one fix-it command in what was said (the data stage's line and its error say
    the same)."""
    found = set(FIX.findall(said))
    assert len(found) == 1, said
    return found.pop()


def _run_as_printed(command: str, cwd: Path) -> None:
    subprocess.run(command, shell=True, cwd=cwd, check=True)  # as a user would


@pytest.mark.parametrize("project", ["ml/churn", "ml/my $churn"])
def test_validates_iconv_line_run_from_the_start_converts_the_projects_file(
    tmp_path: Path, project: str
) -> None:
    top = _repository(tmp_path, project, prepare=False, test=LATIN.encode("latin-1"))
    done = mlgate("-C", project, "validate", cwd=top)
    assert done.returncode == 2, done.stderr
    assert f"{project}/mlops.yaml:4:9: data.test:" in done.stderr
    command = _fix(done.stderr)
    assert command.startswith("iconv -f latin1 -t utf-8 ")
    assert "'ml/my $churn/data/test.csv'" in command if "$" in project else True
    _run_as_printed(command, top)
    assert (top / "data/test.csv").read_bytes() == TOP_TEST  # not another file's
    assert (top / project / "data/test.csv").read_text(encoding="utf-8") == LATIN
    assert mlgate("-C", project, "validate", cwd=top).returncode == 0


def test_started_outside_the_project_the_command_names_the_file_absolutely(
    tmp_path: Path,
) -> None:
    top = _repository(tmp_path, "ml/churn", prepare=False, test=LATIN.encode("latin-1"))
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "data").mkdir(parents=True)
    (elsewhere / "data/test.csv").write_bytes(TOP_TEST)
    done = mlgate("-C", str(top / "ml/churn"), "validate", cwd=elsewhere)
    assert done.returncode == 2, done.stderr
    command = _fix(done.stderr)
    assert str(top / "ml/churn/data/test.csv") in command
    _run_as_printed(command, elsewhere)
    assert (elsewhere / "data/test.csv").read_bytes() == TOP_TEST
    assert (top / "ml/churn/data/test.csv").read_text(encoding="utf-8") == LATIN


@pytest.mark.parametrize("command", [("check", "data"), ("run",)])
def test_the_data_stages_hint_run_from_the_start_converts_what_prepare_wrote(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    top = _repository(tmp_path, "ml/churn", prepare=True, test=b"")
    done = mlgate("-C", "ml/churn", *command, cwd=top)
    assert done.returncode == 2, done.stderr
    said = done.stdout + done.stderr  # run: the verdict line on stdout holds the hint
    assert "data file 'ml/churn/data/test.csv' could not be read as csv" in said
    fix = _fix(said.split("hint:")[-1])
    assert fix.startswith("iconv -f latin1 -t utf-8 ml/churn/data/test.csv ")
    _run_as_printed(fix, top)
    assert (top / "data/test.csv").read_bytes() == TOP_TEST
    assert (top / "ml/churn/data/test.csv").read_text(encoding="utf-8") == LATIN


@pytest.mark.parametrize("command", [("validate",), ("check", "data")])
def test_the_tr_line_for_cr_line_ends_names_the_file_from_the_start(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    cr = TRAIN.replace("\n", "\r").encode()
    prepare = command != ("validate",)
    top = _repository(tmp_path, "ml/churn", prepare=prepare, test=cr)
    if prepare:  # data.prepare writes the CR-only file
        (top / "ml/churn/prep.py").write_text(
            f"import os\nopen(os.environ['MLGATE_DATA_TEST'], 'wb').write({cr!r})\n"
        )
    (top / "data/test.csv").write_bytes(TOP_TEST.replace(b"\n", b"\r"))  # a CR file too
    before = (top / "data/test.csv").read_bytes()
    done = mlgate("-C", "ml/churn", *command, cwd=top)
    assert done.returncode == 2, done.stderr
    fix = _fix(done.stderr)
    assert fix.startswith("tr '\\r' '\\n' < ml/churn/data/test.csv > "), fix
    _run_as_printed(fix, top)
    assert (top / "data/test.csv").read_bytes() == before
    assert (top / "ml/churn/data/test.csv").read_bytes() == cr.replace(b"\r", b"\n")


def test_a_compressed_files_command_from_validate_names_it_from_the_start(
    tmp_path: Path,
) -> None:
    """A test file named data/test.csv.gz: validate's gunzip line was from the manifest's
    folder, which, run from the repository's top, would unpack another file or none."""
    import gzip

    top = _repository(tmp_path, "ml/churn", prepare=False, test=LATIN.encode())
    folder = top / "ml/churn"
    (folder / "data/test.csv.gz").write_bytes(gzip.compress(TRAIN.encode()))
    manifest = (folder / "mlops.yaml").read_text().replace("data/test.csv", "data/test.csv.gz")
    (folder / "mlops.yaml").write_text(manifest)
    done = mlgate("-C", "ml/churn", "validate", cwd=top)
    assert done.returncode == 2, done.stderr
    said = re.search(r"\(`(gunzip .*?)`\)", done.stderr)
    assert said is not None, done.stderr
    assert said.group(1) == "gunzip -c ml/churn/data/test.csv.gz > ml/churn/data/test.csv"
