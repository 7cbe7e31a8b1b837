"""Live notifications: the pub/sub bus behind GraphQL subscriptions, and webhook delivery."""
