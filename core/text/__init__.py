"""Text models: sentiment and, later, topics."""
