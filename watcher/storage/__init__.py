"""The database: tables (SQLModel), the engine with its timeouts and write tracking, and the
alembic migrations."""
