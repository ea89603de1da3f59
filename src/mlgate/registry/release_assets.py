"""The model store as the assets of one GitHub release, for a team with no bucket:
`registry.artifacts: github-release:mlgate-models`.

Each object is an asset named by its sha256, uploaded once and checked against its name
when read, through the local cache as a bucket's objects are. The release lives in the
repository the workflow runs in (GITHUB_REPOSITORY, GITHUB_API_URL and the workflow's
token; outside Actions the same variables, with GITHUB_TOKEN) and is made on first use.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from mlgate.errors import OutsideError, UserError
from mlgate.manifest.store_location import SCHEME, location_problem
from mlgate.registry.artifacts import CORRUPT, MISSING, Short, cached, capped_path, sha256_of

if TYPE_CHECKING:
    from mlgate.github.releases import Asset, Release, Releases

DEFAULT_API = "https://api.github.com"
TOKEN_VARIABLES = ("MLGATE_GITHUB_TOKEN", "GITHUB_TOKEN")  # first set wins, as the CLI's
TRIES = 5  # looks at the release: an upload still going on gets 1+2+4+8 s to finish
BODY = (
    "The model store of mlgate: each asset is one file (a model, "
    "a run record, a manifest) named by its sha256, written once and checked when read. "
    "The registry's versions and stages are git tags (`gto show`). Written by mlgate: "
    "do not rename or replace assets."
)


class Target(Protocol):
    """Where the workflow runs (operations.GitHubTarget is one); read only."""

    @property
    def api_url(self) -> str: ...
    @property
    def repository(self) -> str: ...
    @property
    def token(self) -> str: ...


def open_release_store(
    location: str,
    cache: Path,
    github: Target | None = None,
    environ: Mapping[str, str] = os.environ,
) -> ReleaseStore:
    """No network here: a command that never reads the store never needs a token."""
    problem = location_problem(location)
    if problem:
        raise UserError(f"registry.artifacts: {problem}")
    tag = location.removeprefix(SCHEME)
    if github is not None:
        return ReleaseStore(
            tag=tag,
            cache=cache,
            repository=github.repository,
            api_url=github.api_url,
            token=github.token,
        )
    return ReleaseStore(
        tag=tag,
        cache=cache,
        repository=environ.get("GITHUB_REPOSITORY", ""),
        api_url=(environ.get("GITHUB_API_URL") or DEFAULT_API).rstrip("/"),
        token=next((environ[v] for v in TOKEN_VARIABLES if environ.get(v)), None),
    )


@dataclass(frozen=True, kw_only=True)
class ReleaseStore:
    tag: str
    cache: Path  # where objects read from the store are kept, by sha256
    repository: str  # owner/name
    api_url: str = DEFAULT_API
    token: str | None = field(default=None, repr=False)
    client: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    _found: dict[str, Release] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )  # the release, once looked up

    @property
    def location(self) -> str:
        return f"{SCHEME}{self.tag} in {self.repository or '?'}"

    def put(self, source: Path) -> str:
        """One upload per object: an asset already named by the sha256 is not sent again,
        and an upload whose answer was lost is looked for before it is tried again."""
        from mlgate.github.http import UncertainWrite
        from mlgate.github.releases import MAX_ASSET_BYTES, AssetExists

        size = source.stat().st_size
        if size >= MAX_ASSET_BYTES:  # GitHub: "under 2 GiB"; exactly 2 GiB fails with a 500
            raise UserError(
                f"{source} is {size:,} bytes; a GitHub release asset must be under 2 GiB "
                f"({MAX_ASSET_BYTES:,} bytes)",
                hint="use a bucket: registry.artifacts: s3://bucket/prefix",
            )
        sha256 = sha256_of(source)
        with self._session() as releases:
            release = self._release(releases, create=True)
            assert release is not None
            found: Asset | None = None
            refused: AssetExists | None = None
            for attempt in range(TRIES):
                found = _named(releases.assets(release), sha256)
                if found is not None and found.uploaded:
                    self._check_digest(found)
                    return sha256
                if found is None:
                    if release.immutable:
                        raise UserError(
                            f"release {self.tag} in {self.repository} is immutable "
                            "(the immutable releases setting): it takes no new "
                            "assets",
                            hint="turn the setting off for this "
                            "repository, or use a bucket (s3://...)",
                        )
                    if refused is not None:  # a 422 with no asset behind it: not a race
                        raise refused
                    try:
                        releases.upload(release, sha256, source)
                        return sha256
                    except UncertainWrite:
                        continue  # it may have arrived: look before sending it again
                    except AssetExists as exc:
                        refused = exc  # another job's upload, most likely: look again
                        continue
                if attempt + 1 < TRIES:  # another job's upload, perhaps still going on
                    releases.gh.wait(2.0**attempt, f"asset {sha256[:12]} is still uploading")
        if found is None:
            raise OutsideError(
                f"could not upload object {sha256[:12]} to {self.location}: "
                f"GitHub's answers were lost {TRIES} times"
            )
        raise self._broken(found)

    def get(self, sha256: str, size: int | None = None) -> Path:
        """The object in the local cache, downloaded first when it is not there whole:
        no more bytes than the asset's listed size (and the record's, when given)."""
        from mlgate.github.http import NotFound, StorageError

        def fetch(to: Path) -> int:
            with self._session() as releases:
                release = self._release(releases, create=False)
                found = _named(releases.assets(release), sha256) if release else None
                if found is None:
                    raise self._missing(
                        sha256, "registry.artifacts in mlops.yaml names the store", release
                    )
                if not found.uploaded:
                    raise self._broken(found)
                if size is not None and found.size != size:
                    raise self._resized(found, size)
                try:  # the listing is GitHub's word for the asset: storage sends no more
                    releases.download(found, capped_path(to, found.size, sha256, self.location))
                except StorageError as exc:
                    if not exc.cut:
                        raise
                    # the storage cut the bytes short: started over, as a network's cut is
                    raise Short(found.size, exc.message.partition(": ")[2], exc.hint) from None
                except NotFound as exc:  # deleted between the listing and the download
                    raise UserError(
                        f"object {sha256[:12]} is not in the model store {self.location}"
                    ) from exc
                return found.size

        return cached(self.cache, sha256, self.location, fetch, at=f"the asset {sha256}")

    def _missing(self, sha256: str, hint: str, release: object) -> UserError:
        gone = "" if release else f"; release {self.tag} does not exist"
        return UserError(
            f"object {sha256[:12]} is not in the model store {self.location}", hint=hint + gone
        )

    def check(self, sha256: str, size: int | None = None) -> None:
        """The asset is in the release, uploaded whole, of the size recorded and with
        GitHub's own sha256 (where it reports one) its name: one listing, no download."""
        with self._session() as releases:
            release = self._release(releases, create=False)
            found = _named(releases.assets(release), sha256) if release else None
        if found is None:
            raise self._missing(sha256, f"it belongs in the asset {sha256}: {MISSING}", release)
        if not found.uploaded:
            raise self._broken(found)
        self._check_digest(found)
        if size is not None and found.size != size:
            raise self._resized(found, size)

    def _resized(self, found: Asset, size: int) -> OutsideError:
        return OutsideError(
            f"object {found.name[:12]} in {self.location} is corrupt ({found.size:,} bytes, "
            f"not the {size:,} it was stored with)",
            hint=f"{self._delete_hint(found)}, then upload the original; {CORRUPT}",
        )

    @contextmanager
    def _session(self) -> Iterator[Releases]:
        from mlgate.github.http import Forbidden, GitHub
        from mlgate.github.releases import CONTENTS_HINT, Releases

        if "/" not in self.repository:
            raise UserError(
                f"registry.artifacts is {SCHEME}{self.tag}, which needs the repository",
                hint="set GITHUB_REPOSITORY=owner/name (GitHub Actions sets it)",
            )
        if not self.token:
            raise UserError(
                f"registry.artifacts is {SCHEME}{self.tag}, which needs a GitHub token",
                hint="set GITHUB_TOKEN (in a workflow: `env: "
                "GITHUB_TOKEN: ${{ github.token }}` with `permissions: contents: "
                "write`)",
            )
        with GitHub(self.api_url, self.token, **self.client) as gh:
            try:
                yield Releases(gh, self.repository)
            except Forbidden as exc:
                exc.hint = CONTENTS_HINT
                raise

    def _release(self, releases: Releases, *, create: bool) -> Release | None:
        if self.tag not in self._found:
            found = releases.find(self.tag)
            if found is None and create:
                found = releases.create(
                    self.tag, name=f"mlgate model store ({self.tag})", body=BODY
                )
            if found is None:
                return None
            self._found[self.tag] = found
        return self._found[self.tag]

    def _check_digest(self, asset: Asset) -> None:
        """GitHub's own sha256 of the asset, where it has one, must be the asset's name."""
        if asset.digest is not None and asset.digest.lower() != f"sha256:{asset.name}":
            raise OutsideError(
                f"object {asset.name[:12]} in {self.location} is corrupt (GitHub "
                f"reports {asset.digest[:19]}...)",
                hint=self._delete_hint(asset),
            )

    def _broken(self, asset: Asset) -> OutsideError:
        return OutsideError(
            f"object {asset.name[:12]} in {self.location} is an upload that "
            f"did not finish (state: {asset.state}); delete the asset, then run "
            "again",
            hint=self._delete_hint(asset),
        )

    def _delete_hint(self, asset: Asset) -> str:
        return f"gh release delete-asset {self.tag} {asset.name} --repo {self.repository}"


def _named(assets: list[Asset], name: str) -> Asset | None:
    return next((a for a in assets if a.name == name), None)
