"""Sentiment: how customers feel, from their own words, with the model chosen on their own ratings."""
