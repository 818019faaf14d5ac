"""Support for tests that run the project as production runs it (not imported by the app)."""
