"""endpoint: see ARCHITECTURE.md."""
