"""Channel adapters: each turns its platform's wire format into one intake submission and replies back out."""
