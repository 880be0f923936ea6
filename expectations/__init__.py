"""Validation rules as data: the concept dimension, pandera schemas and the report rules."""
