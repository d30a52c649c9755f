-- The storefront's text search (?q=) as an index that gives its matches in
-- handle order (issue 13, scale). A search by a word thousands of products
-- have (q=bolt: 1 product in 16) either walked the handles testing every
-- search text until a page was full (the matches cluster in handle order:
-- 3,170 texts for a page of 21 at 25,000 products) or read every match
-- through the trigram index and sorted them (1,564 heap rows): either way a
-- page cost thousands of rows. Here every prefix of every word of a
-- product's search text is one entry (prefix, handle): the products whose
-- words begin with "bol" are the entries of "bol", in handle order, so a
-- page of a search reads about as many entries as it returns, and a search
-- by two or three words merges their runs by handle.
--
-- A word is a run of ASCII letters and digits and non-ASCII characters:
-- every other character separates words (commerce.SearchWords splits a
-- query the same way). Prefixes are kept up to 32 characters; a longer word
-- of a query is looked up by its first 32 and matched whole by the search's
-- pattern.
CREATE TABLE catalog_search_prefixes (
    prefix text NOT NULL,
    handle text NOT NULL,
    PRIMARY KEY (prefix, handle)
);

CREATE FUNCTION catalog_search_prefixes_of(search_text text) RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT DISTINCT left(w, n)
    FROM regexp_split_to_table(search_text, '[\x01-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]+') AS w,
         generate_series(1, least(length(w), 32)) AS n
    WHERE w <> ''
$$;

-- The prefixes follow the product's search text and handle; migration
-- 0018's triggers keep the search text, so every writer keeps both.
CREATE FUNCTION catalog_products_search_prefixes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        DELETE FROM catalog_search_prefixes WHERE handle = OLD.handle;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        INSERT INTO catalog_search_prefixes (prefix, handle)
        SELECT x, NEW.handle FROM catalog_search_prefixes_of(NEW.search_text) AS x;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER catalog_products_search_prefixes AFTER INSERT OR DELETE ON catalog_products
FOR EACH ROW EXECUTE FUNCTION catalog_products_search_prefixes();

CREATE TRIGGER catalog_products_search_prefixes_changed AFTER UPDATE ON catalog_products
FOR EACH ROW WHEN (OLD.search_text IS DISTINCT FROM NEW.search_text OR OLD.handle IS DISTINCT FROM NEW.handle)
EXECUTE FUNCTION catalog_products_search_prefixes();

INSERT INTO catalog_search_prefixes (prefix, handle)
SELECT x, p.handle FROM catalog_products p, catalog_search_prefixes_of(p.search_text) AS x;

-- The planner's figures for the new rows now, not when autovacuum gets to
-- them: a search's plan depends on them.
ANALYZE catalog_search_prefixes;
