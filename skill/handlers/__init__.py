"""Command handlers: each takes a skill.context.Context and returns a Result (see skill/context.py)."""
