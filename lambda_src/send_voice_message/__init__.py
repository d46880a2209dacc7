"""The sender: voice messages sent at most once each, directly or from the bulk queue."""
