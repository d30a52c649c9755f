-- The orderflow_quotes{status} gauge counts quotes by status at every scrape:
-- an index-only scan of this index instead of reading the whole table.
CREATE INDEX quotes_status ON quotes (status);
