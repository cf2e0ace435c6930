"""Topics: what customers talk about, found in their reviews, named, and measured."""
