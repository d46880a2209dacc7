"""The one entry point of the library's custom resources, dispatched by type."""
