"""Command handlers: one module per command (or family of commands) that the vocabulary names."""
