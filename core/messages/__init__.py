"""Messages: personalised marketing copy per persona and offer, written only from the store's own facts."""
