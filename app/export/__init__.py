"""export: see ARCHITECTURE.md."""
