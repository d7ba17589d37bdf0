import { AzureOpenAI } from "openai";

const client = new AzureOpenAI({ deployment: "web-gpt4o-mini", apiVersion: "2024-10-21" });
