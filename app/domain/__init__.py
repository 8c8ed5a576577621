"""domain: see ARCHITECTURE.md."""
