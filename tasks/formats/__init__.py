"""Readers of binary report formats (docx, pdf, html, legacy Word) into blocks of text and tables.

Each reader turns bytes into `Block`s (paragraphs and tables in document order); `layout` joins them
into the canonical text with a map back to table cells and pages. The binary readers run in a child
process (`sandbox`) so a parser that loops or explodes is killed and the file rejected.
"""
