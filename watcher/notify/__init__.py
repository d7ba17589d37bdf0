"""Telling people: the escalation ladder, silences, the planner that writes the outbox, the
outbox drain and its senders (Slack, console), messages, the digest, the calendar, and the
actions people take on impacts."""
