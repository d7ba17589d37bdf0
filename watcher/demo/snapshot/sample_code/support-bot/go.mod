module example.com/acme/support-bot

go 1.22

require (
	github.com/anthropics/anthropic-sdk-go v1.2.0
	github.com/openai/openai-go v1.8.2
)
