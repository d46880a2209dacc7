"""The call status tracker: the latest status of every call, from its events."""
