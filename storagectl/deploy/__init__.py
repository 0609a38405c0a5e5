"""Deploy through Pulumi's Automation API, gated by the offline plan and its policy review."""
