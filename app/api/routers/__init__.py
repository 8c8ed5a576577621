"""HTTP routers of the policykg API, one module per resource."""
