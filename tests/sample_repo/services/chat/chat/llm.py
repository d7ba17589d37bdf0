from mistralai import Mistral

client = Mistral()
MODEL = "mistral-large-2411"
