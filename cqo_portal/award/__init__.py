"""Award and self-assessment rounds: applications, examiners, consensus and feedback."""
