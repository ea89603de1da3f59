"""What `sweep collect` says of records it refused before it could read whose they were."""

from __future__ import annotations

from pathlib import Path

from mlgate import manifest as manifests
from mlgate.sweep import collect, space
from tests import projects


def test_records_refused_unread_are_counted_not_each_named_as_the_configurations_own(
    tmp_path: Path,
) -> None:
    """Every missing configuration named the first refused record alone, as if it were
    its own (`mlgate-sweep-1/...: is a device` beside a 3 MiB file also refused)."""
    files = projects.iris_files(Path())
    files["mlops.yaml"] = projects.IRIS_MANIFEST + "sweep:\n  grid: {train.C: [0.5, 1.0]}\n"
    root = projects.write(tmp_path / "iris", files)
    loaded = manifests.load(root / "mlops.yaml")
    made = space.configurations(loaded.sweep)
    folder = tmp_path / "downloaded"
    (folder / "a").mkdir(parents=True)
    (folder / "a" / "zero.json").symlink_to("/dev/zero")
    (folder / "b").mkdir()
    (folder / "b" / "big.json").write_bytes(b" " * (collect.RECORD_BYTES + 1))
    found = collect.collected(folder, loaded, made)
    assert [f.status for f in found] == ["missing", "missing"]
    said = found[0].message
    assert said.startswith(
        "no run of it under downloaded: its job failed or did not upload, or its record is "
        "one refused unread (2 records were refused unread, such as a/zero.json: "
    )
    assert found[1].message == said
    (folder / "b" / "big.json").unlink()
    alone = collect.collected(folder, loaded, made)[0].message
    assert "(a/zero.json: " in alone and "were refused unread" not in alone
