"""The prediction server: `mlgate serve` puts a registered version (or a model file the
manifest names) behind HTTP JSON, with its inputs checked against the training data's
columns; `mlgate smoke` checks a running one. Needs `mlgate[serve]` (Starlette, uvicorn)."""
