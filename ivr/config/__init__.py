"""Configuration files: YAML with source positions, the skills loader, error formatting."""
