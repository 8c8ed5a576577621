"""search: see ARCHITECTURE.md."""
