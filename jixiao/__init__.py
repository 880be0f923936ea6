"""jixiao (绩效): performance self-evaluation reports -> validated DuckDB warehouse."""

__version__ = "0.1.0"
