"""Where evidence and claim memory persist: SQLite rows with vectors in a compact on-disk index."""
