"""The ground floor: errors, text folding and tokens, encodings, record readers, atomic writes, metrics.

Everything else in framing imports from here; nothing here imports the rest of framing.
"""
