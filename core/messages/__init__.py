"""Messages: personalised marketing copy per persona and offer, written only from the store's own facts."""

# Who writes the copy: the template generator (always there) or a configured language model (core.messages.llm).
# Declared here, not in core.messages.service, so the command line lists them without importing the writers.
GENERATORS = ("template", "llm")
