"""Sources in: the shared HTTP client, the poller and its source state, the webhook receiver and
the processing of stored deliveries, source health, and the contract connectors fulfil."""
