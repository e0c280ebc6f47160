-- A line that is not a row of the contract's shape (malformed_row, bad_encoding) has no fields: its text is
-- kept whole in raw_line (null for rows the contract judged, whose seven values are kept in their columns).
ALTER TABLE quarantine ADD COLUMN IF NOT EXISTS raw_line VARCHAR;
