-- Products with structure, and company catalogs (assortments).
--
-- products stays the sellable SKU: the variant. Carts, orders, quotes and stock
-- keep referencing products (sku). A catalog product is its parent: what the
-- storefront lists, with a handle, a description, a category, its options
-- (e.g. Length: 30mm, 50mm) and typed attributes for filtering. Every variant
-- names its parent and its value of each option, and says how it is sold: a
-- unit (each, box, pair...) and how many pieces one unit holds (pack_size);
-- its prices are per unit sold (per box of 100).

-- Free-text search uses trigram indexes (Debian's postgresql-contrib ships
-- pg_trgm; it is a trusted extension, so the database owner may create it).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE catalog_products (
    id          uuid PRIMARY KEY,
    handle      text        NOT NULL UNIQUE CHECK (handle ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
    name        text        NOT NULL,
    description text        NOT NULL DEFAULT '',
    -- '' is no category.
    category    text        NOT NULL DEFAULT '' CHECK (category ~ '^([a-z0-9][a-z0-9._-]{0,63})?$'),
    -- [{"name": "Length", "values": ["30mm", "50mm"]}], in display order.
    options     jsonb       NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(options) = 'array'),
    -- {"material": "steel", "length_mm": 50, "zinc_plated": true}: each
    -- attribute's JSON type is its kind (catalog_attributes).
    attributes  jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object'),
    -- Lower-cased handle, name, description and the variants' SKUs and names:
    -- what ?q= searches. Kept by the triggers below, so every writer keeps it.
    search_text text        NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- The storefront lists by handle (the unique index), within a category, by
-- text and by attribute.
CREATE INDEX catalog_products_category ON catalog_products (category, handle);
CREATE INDEX catalog_products_search ON catalog_products USING gin (search_text gin_trgm_ops);
CREATE INDEX catalog_products_attributes ON catalog_products USING gin (attributes jsonb_path_ops);

-- Every attribute name has one kind across the catalog, fixed by its first
-- use, so that a filter ?attr.length_mm=50 knows it compares numbers.
CREATE TABLE catalog_attributes (
    name text PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('text', 'number', 'boolean'))
);

-- The number attributes again, one row each, for range filters
-- (?attr.length_mm=30..60). Written with the product.
CREATE TABLE catalog_product_numbers (
    name       text    NOT NULL,
    value      numeric NOT NULL,
    product_id uuid    NOT NULL REFERENCES catalog_products (id) ON DELETE CASCADE,
    PRIMARY KEY (name, value, product_id)
);
CREATE INDEX catalog_product_numbers_product ON catalog_product_numbers (product_id);

ALTER TABLE products
    ADD COLUMN product_id    uuid REFERENCES catalog_products (id),
    -- {"Length": "30mm"}: one value of each of the parent's options.
    ADD COLUMN option_values jsonb   NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(option_values) = 'object'),
    ADD COLUMN unit          text    NOT NULL DEFAULT 'each' CHECK (unit ~ '^[a-z][a-z_]{0,31}$'),
    ADD COLUMN pack_size     integer NOT NULL DEFAULT 1 CHECK (pack_size >= 1),
    ADD COLUMN position      integer NOT NULL DEFAULT 0;

-- Backfill: every existing SKU becomes the one variant of a product of its own,
-- with the SKU as its handle.
INSERT INTO catalog_products (id, handle, name, created_at, updated_at)
SELECT gen_random_uuid(), p.sku, p.name, p.created_at, p.created_at FROM products p;
UPDATE products p SET product_id = cp.id FROM catalog_products cp WHERE cp.handle = p.sku;
ALTER TABLE products ALTER COLUMN product_id SET NOT NULL;
CREATE INDEX products_product ON products (product_id, position, sku);

-- catalog_search_text is what ?q= matches of a product.
CREATE FUNCTION catalog_search_text(pid uuid, handle text, name text, description text) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT lower(concat_ws(' ', handle, name, description,
        (SELECT string_agg(v.sku || ' ' || v.name, ' ' ORDER BY v.position, v.sku) FROM products v WHERE v.product_id = pid)))
$$;

CREATE FUNCTION catalog_products_search_own() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_text := catalog_search_text(NEW.id, NEW.handle, NEW.name, NEW.description);
    RETURN NEW;
END $$;

CREATE TRIGGER catalog_products_search BEFORE INSERT OR UPDATE OF handle, name, description ON catalog_products
FOR EACH ROW EXECUTE FUNCTION catalog_products_search_own();

CREATE FUNCTION products_search_parent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE catalog_products cp SET search_text = catalog_search_text(cp.id, cp.handle, cp.name, cp.description)
        WHERE cp.id = OLD.product_id;
    END IF;
    IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.product_id IS DISTINCT FROM OLD.product_id) THEN
        UPDATE catalog_products cp SET search_text = catalog_search_text(cp.id, cp.handle, cp.name, cp.description)
        WHERE cp.id = NEW.product_id;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER products_search AFTER INSERT OR DELETE OR UPDATE OF sku, name, product_id ON products
FOR EACH ROW EXECUTE FUNCTION products_search_parent();

UPDATE catalog_products SET name = name;

-- sku_availability is the one definition of the units of a SKU buyers may
-- still order: every read of availability (cart, checkout, listings) goes
-- through it, so stock kept per location changes it here alone.
CREATE VIEW sku_availability AS
SELECT s.sku, (s.on_hand - s.reserved)::bigint AS available FROM stock s;

-- An assortment is the catalog products a company may see and buy. A company
-- without one sees the whole catalog.
CREATE TABLE assortments (
    id         uuid PRIMARY KEY,
    name       text        NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE assortment_products (
    assortment_id uuid NOT NULL REFERENCES assortments (id) ON DELETE CASCADE,
    product_id    uuid NOT NULL REFERENCES catalog_products (id) ON DELETE CASCADE,
    PRIMARY KEY (assortment_id, product_id)
);
CREATE INDEX assortment_products_product ON assortment_products (product_id);

-- A company in use of an assortment keeps it until ops take it away: deleting
-- an assortment a company uses is refused, rather than opening the whole
-- catalog to the company.
ALTER TABLE companies ADD COLUMN assortment_id uuid REFERENCES assortments (id);
CREATE INDEX companies_assortment ON companies (assortment_id) WHERE assortment_id IS NOT NULL;

-- catalog_product_visible is the one rule of who may see a catalog product:
-- a company without an assortment sees every product, one with an assortment
-- only the products in it.
CREATE FUNCTION catalog_product_visible(company uuid, product uuid) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT NOT EXISTS (
        SELECT 1 FROM companies c
        WHERE c.id = company AND c.assortment_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM assortment_products ap WHERE ap.assortment_id = c.assortment_id AND ap.product_id = product))
$$;
