"""quality: see ARCHITECTURE.md."""
