"""Customer value: what each customer is expected to buy and spend over a coming period."""
