"""sparql: see ARCHITECTURE.md."""
