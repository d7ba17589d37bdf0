package main

import (
	"context"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/openai/openai-go"
)

// Drafts answers to support tickets; the escalation summary goes to the larger model.
const draftModel = "claude-sonnet-4-20250514"

func draft(ctx context.Context, client anthropic.Client, ticket string) (*anthropic.Message, error) {
	return client.Messages.New(ctx, anthropic.MessageNewParams{
		Model:     draftModel,
		MaxTokens: 1024,
		Messages:  []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock(ticket))},
	})
}

func summarize(ctx context.Context, client openai.Client, thread string) (*openai.ChatCompletion, error) {
	return client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
		Model:    "gpt-5-2025-08-07",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage(thread)},
	})
}
