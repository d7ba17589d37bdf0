"""Events: the normalized event and its drafts, dates, the event store (upsert, revisions,
provenance), drift of a deadline, and what a date is worth (claims)."""
