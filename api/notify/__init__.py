"""GraphQL for live notifications: subscriptions, webhook administration and delivery status."""
