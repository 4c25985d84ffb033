"""Image handling for the checks: safe decoding, metadata removal, faces, blurring."""
