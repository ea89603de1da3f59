"""The model registry: versions and stage assignments as git tags in GTO's format, each an
annotated tag whose message carries mlgate's record (lineage, who, why), so that the
registry needs no server, survives the CI runner, and `gto show` reads it."""
