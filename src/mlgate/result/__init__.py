"""The run result: dataclasses, JSON document and schema, and the run store."""
