"""Manuscript and built-file checks, reported as linter findings."""
