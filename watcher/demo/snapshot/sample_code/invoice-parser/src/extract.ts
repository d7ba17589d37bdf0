import OpenAI from "openai";

const openai = new OpenAI();

// Pulls the supplier, the date and the line items out of an invoice's text as JSON.
export async function extract(invoiceText: string) {
  const completion = await openai.chat.completions.create({
    model: "gpt-4-1106-preview",
    response_format: { type: "json_object" },
    messages: [{ role: "user", content: `Extract supplier, date and line items as JSON:\n${invoiceText}` }],
  });
  return JSON.parse(completion.choices[0].message.content ?? "{}");
}
