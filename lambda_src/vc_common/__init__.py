"""Runtime helpers shared by the voice-constructs Lambda handlers (no CDK imports here)."""
