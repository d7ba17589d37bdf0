"""provider-watcher: turns LLM providers' notices into normalized events."""

__version__ = "0.1.0"
USER_AGENT = f"provider-watcher/{__version__} (+https://github.com/provider-watcher)"
