"""Tools about mappings for integrators: ``check`` (validate every mapping against the
schemas and run it over samples) and ``suggest`` (draft a mapping from two schemas and
sample records). Both run locally; neither touches the store, the queues or a network."""
