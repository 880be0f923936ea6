"""Prefect flows composing the pure steps in tasks/."""
