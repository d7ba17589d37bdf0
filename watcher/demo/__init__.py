"""`watcher demo`: the whole product offline. A recorded snapshot of real provider pages and webhook
payloads (snapshot/, with SOURCES.md naming each capture) is served on loopback with a local
Slack-compatible endpoint (server.py); stage.py writes the config and sample inventory, tells the
tour, and plays the stories the snapshot alone cannot (webhook deliveries); the daemon that runs is
`watcher run`'s own."""
