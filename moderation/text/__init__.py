"""Text analysis shared by the text checks: normalisation, names, rule matching."""
