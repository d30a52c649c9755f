-- A number range filter (?attr.diameter_mm=8..12) pages by handle: its
-- range rows carry the product's handle and are indexed in handle order
-- within an attribute, with the value in the index, so a page walks the
-- attribute's entries from the cursor and tests each value without reading
-- a row (issue 13, scale). Joined to the products and walked along their
-- handles instead, a page read and probed every product it passed: 356 for
-- the 21 of diameter 8 to 12 at 25,000 products, whose sizes cluster in
-- handle order. catalog.Save rewrites a product's range rows with it, the
-- handle with them; the foreign key keeps the copy true if a handle changes
-- any other way.
ALTER TABLE catalog_product_numbers ADD COLUMN handle text;
UPDATE catalog_product_numbers n SET handle = p.handle FROM catalog_products p WHERE p.id = n.product_id;
ALTER TABLE catalog_product_numbers ALTER COLUMN handle SET NOT NULL,
    ADD FOREIGN KEY (handle) REFERENCES catalog_products (handle) ON UPDATE CASCADE;
CREATE INDEX catalog_product_numbers_handle ON catalog_product_numbers (name, handle, value);
ANALYZE catalog_product_numbers;
