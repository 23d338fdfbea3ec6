"""The import pipeline: parse (pure) → resolve (names → authority) → load (a transaction a file)."""
