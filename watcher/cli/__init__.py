"""The `watcher` command: the entry point and one module per group of commands."""
