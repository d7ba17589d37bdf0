import OpenAI from "openai";

const client = new OpenAI();

// Re-ranks the top search hits by asking the model which ones answer the query.
export async function rerank(query: string, hits: string[]): Promise<string[]> {
  const response = await client.chat.completions.create({
    model: "gpt-5-2025-08-07",
    messages: [
      { role: "system", content: "Order these passages by how well they answer the query." },
      { role: "user", content: JSON.stringify({ query, hits }) },
    ],
  });
  return JSON.parse(response.choices[0].message.content ?? "[]");
}
