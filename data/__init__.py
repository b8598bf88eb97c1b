"""Demo data (deterministic generator), import templates and boundary helpers for the demo county."""
