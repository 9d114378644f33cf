"""What every service made from the api-sqs blueprint shares: tools and generic settings."""
