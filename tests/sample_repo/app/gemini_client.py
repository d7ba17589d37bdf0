import google.generativeai as genai

model = genai.GenerativeModel("models/gemini-2.0-flash")
