"""A version's record is read back as every reader reads a tag before the tag is written
(audit V, finding 5): a params file with a 1.1 MB string in it (which the training never
read) made the merge job write `model@v0.2.0` with a record over `tags.MAX_RECORD`, which
mlgate then read as corrupt: the version could never be promoted or served, and its
commit never registered again ("already registered; nothing to do"). Now the record is
refused, naming the field, and nothing is written: a commit without the string
registers as usual."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from mlgate.errors import UserError
from mlgate.registry import operations, tags
from tests.conftest import git
from tests.registry.conftest import Project


def _nothing_written(project: Project) -> None:
    assert git(project.root, "tag", "--list") == ""
    objects = project.root / ".mlgate" / "registry" / "objects"
    assert not objects.exists() or not any(p.is_file() for p in objects.rglob("*"))


def test_a_record_over_the_readers_limit_is_refused_naming_the_param(
    project: Project,
) -> None:
    where = project.where()
    honest = project.run
    huge = replace(honest, params={**honest.params, "train.notes": "A" * 1_100_000})
    with pytest.raises(UserError) as refused:
        operations.register(where, project.manifest, huge)
    said = refused.value
    assert said.message.startswith("iris v0.1.0 was not registered: its record could not")
    assert f"over {tags.MAX_RECORD:,} bytes" in said.message
    assert "the largest field is params" in said.message
    assert "train.notes takes 1,100,002 bytes" in said.message
    assert said.hint is not None and "keep long values out of the params file" in said.hint
    assert said.hint.endswith("nothing was written")
    _nothing_written(project)
    assert where.read().versions == ()

    change = operations.register(where, project.manifest, honest)  # the same commit
    assert change.version == "v0.1.0" and change.changed
    version = where.read().version("v0.1.0")
    assert version is not None and version.problem is None


def test_a_record_its_schema_refuses_is_not_written_either(project: Project) -> None:
    """A package's version pip would read as an option: the reader refuses the record, so
    the writer does too, naming the field."""
    env = replace(project.run.environment, packages={"scikit-learn": "--index-url=http://x"})
    with pytest.raises(UserError, match=r"at packages\.scikit-learn") as refused:
        operations.register(
            project.where(), project.manifest, replace(project.run, environment=env)
        )
    assert refused.value.hint is not None and "record.schema.json" in refused.value.hint
    _nothing_written(project)


def test_the_size_shown_is_of_the_field_as_the_tag_holds_it(tmp_path: Path) -> None:
    record = {"params": {"a": "x" * 10, "b": 1}, "summary": "short"}
    assert operations._largest(record) == (
        "the largest field is params, 27 bytes, of which a takes 12 bytes"
    )
