"""The HTTP side: the Starlette app (health, metrics, calendar, webhooks), the dashboard, the JSON
API and Slack's buttons."""
