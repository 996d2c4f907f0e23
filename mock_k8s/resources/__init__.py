"""Kind-specific rules (strategies): defaults, validation, allocation, status split."""
