DEFAULT = "gpt-3.5-turbo-0125"  # vendored code: not ours
