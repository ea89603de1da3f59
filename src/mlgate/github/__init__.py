"""GitHub: the Actions context, and a small REST client for comments, checks and statuses."""
