"""storagectl: the driver — spec validation, offline engine, policy review, deploy, verification."""
