"""Several replicas on one PostgreSQL database: who is alive, which sources each polls, which jobs run
once per cluster, and the guard that keeps SQLite to one process. PostgreSQL carries the coordination
(row locks, advisory locks, unique keys); nothing here is consensus of its own."""
