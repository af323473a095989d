"""Development tools: packaging the skill and generating its docs (need the dev extras; not in the ZIP)."""
