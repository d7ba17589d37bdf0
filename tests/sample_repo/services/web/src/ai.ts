import OpenAI from "openai";

const xai = new OpenAI({ baseURL: "https://api.x.ai/v1" });
export const MODEL = "grok-4-0709";
