"""Policy files: YAML with positions, schema validation, defaults, durations, IPs."""
