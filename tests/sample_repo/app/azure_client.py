from openai import AzureOpenAI

client = AzureOpenAI(azure_deployment="prod-gpt4o", api_version="2024-10-21")
