from google.cloud import aiplatform

GEMINI = "projects/p/locations/us-central1/publishers/google/models/gemini-1.5-pro-002"
CLAUDE = "publishers/anthropic/models/claude-3-5-sonnet@20240620"
