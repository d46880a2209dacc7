"""The custom resource handler of a Pinpoint application's voice channel."""
