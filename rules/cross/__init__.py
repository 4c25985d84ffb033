"""Rules of the cross check (findings that combine the text and image checks).

They have no text patterns, so they live here rather than in ``rules/*.yaml``,
which the text rule-pack loader reads and validates as pattern rules.
"""
