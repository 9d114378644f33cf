"""What every service made from the api-sqs blueprint shares: its tools and generic settings rules."""
