from openai import OpenAI

client = OpenAI()
STYLE = "gpt-style-guide"  # not a model: no version in it


def answer(question: str) -> str:
    # plan: move to gpt-5.5 once the evals pass (a replacement, mentioned only in a comment)
    response = client.chat.completions.create(model="gpt-4o-2024-05-13", messages=[{"role": "user", "content": question}])
    return response.choices[0].message.content
