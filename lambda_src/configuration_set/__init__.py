"""The custom resource handler of v1 configuration sets and their event destinations."""
