"""One module per CLI verb, as MkDocs does; ``report.cli`` only wires them together."""
