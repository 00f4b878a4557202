"""Outgoing letters: drafts on the regulation's forms, review, signature, dispatch."""
