"""The process's own memory: figures per process and for the container, the guide's hygiene, malloc tuning."""
