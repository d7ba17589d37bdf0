import Anthropic from "@anthropic-ai/sdk";

const client = new Anthropic();
const product = "claude-code"; // a product, not a model id

export async function summarize(text: string) {
  return client.messages.create({ model: "claude-3-5-haiku-20241022", max_tokens: 512, messages: [{ role: "user", content: text }] });
}
