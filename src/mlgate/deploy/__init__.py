"""Deployment targets, behind one protocol (`target.Target`: a `Rollout` in, a `Deployed`
out) so that a promotion runs an environment's targets without knowing them:
`command_target` runs the user's deploy command, `docker_target` makes a Docker image of
the version (`build_context` writes its build context, with `pins` for requirements.txt
and `source` for mlgate itself; `docker` builds and pushes it through the Docker SDK,
which needs `mlgate[docker]`). The name an image may have is the manifest's rule
(`manifest.image_name`)."""
