"""A local stand-in for GitHub's runner: expressions by GitHub's own library, jobs and
composite actions run as the runner runs them, marketplace actions as strict stubs."""
