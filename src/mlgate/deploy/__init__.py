"""Deployment targets beyond a command: a Docker image of each version. `context`
writes its build context (with `pins` for requirements.txt and `source` for mlgate
itself), `docker` builds and pushes it through the Docker SDK, `target` runs both for a
promotion, and `image` knows what a repository may be called. Building needs
`mlgate[docker]`."""
