"""The Blueprint IR, its static verifier, Mermaid rendering and code generation."""
