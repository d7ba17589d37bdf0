from langchain_openai import AzureChatOpenAI

llm = AzureChatOpenAI(deployment_name="support-gpt35", api_version="2024-02-01")
