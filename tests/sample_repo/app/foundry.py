from azure.ai.inference import ChatCompletionsClient

PRIMARY = "Meta-Llama-3.1-8B-Instruct"
SMALL = "Phi-4"
ARABIC = "jais-30b-chat"
