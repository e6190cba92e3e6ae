"""Loading evidence files (JSONL, CSV, plain text) into the store, and the command that does it."""
