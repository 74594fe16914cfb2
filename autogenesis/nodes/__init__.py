"""One module per agent: its node function(s). Nodes read state and return partial updates."""
