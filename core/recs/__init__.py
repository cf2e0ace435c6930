"""Recommendations: what each customer should be offered next, why, and how well it works offline."""
