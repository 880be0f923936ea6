"""Pure pipeline steps: read, extract, validate, load. No Prefect here."""
