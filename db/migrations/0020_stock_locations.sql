-- Stock per location: warehouses (stock locations), stock counted per SKU and
-- location, reservations that name the location holding their units, and the
-- location each shipped unit left from. Existing stock moves into the default
-- location, so everything that knew one stock figure per SKU keeps working.

CREATE TABLE stock_locations (
    id            uuid PRIMARY KEY,
    code          text        NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9_-]{0,31}$'),
    name          text        NOT NULL CHECK (name <> ''),
    -- Where it is, enough for the "nearest" rule (commerce.RankLocations): the
    -- ISO country and a postal code prefix the location serves ("" for none).
    country       text        NOT NULL DEFAULT '' CHECK (country = '' OR country ~ '^[A-Z]{2}$'),
    region        text        NOT NULL DEFAULT '',
    postal_prefix text        NOT NULL DEFAULT '',
    -- Ties between equally near locations go to the lower priority, then code.
    priority      integer     NOT NULL DEFAULT 100 CHECK (priority BETWEEN 0 AND 10000),
    -- Exactly one location is the default (the one this migration creates): where stock without a named
    -- location lives (ERP pulls without a location code, the catalogue's
    -- on_hand).
    is_default    boolean     NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX stock_locations_one_default ON stock_locations (is_default) WHERE is_default;
CREATE INDEX stock_locations_created_idx ON stock_locations (created_at, id);

INSERT INTO stock_locations (id, code, name, is_default)
VALUES ('00000000-0000-0000-0000-00000000d0c1', 'default', 'Default warehouse', true);

-- Stock becomes one row per SKU and location.
ALTER TABLE stock_reservations DROP CONSTRAINT stock_reservations_sku_fkey;
ALTER TABLE stock ADD COLUMN location_id uuid REFERENCES stock_locations (id);
UPDATE stock SET location_id = '00000000-0000-0000-0000-00000000d0c1';
-- Writers that name no location (older code, raw SQL) write the default
-- location, whose ID is fixed.
ALTER TABLE stock ALTER COLUMN location_id SET NOT NULL,
    ALTER COLUMN location_id SET DEFAULT '00000000-0000-0000-0000-00000000d0c1';
ALTER TABLE stock DROP CONSTRAINT stock_pkey;
ALTER TABLE stock ADD PRIMARY KEY (sku, location_id);
CREATE INDEX stock_location_idx ON stock (location_id, sku);

-- A reservation holds units of one SKU at one location; a line split across
-- locations is one reservation per location.
ALTER TABLE stock_reservations ADD COLUMN location_id uuid;
UPDATE stock_reservations SET location_id = '00000000-0000-0000-0000-00000000d0c1';
ALTER TABLE stock_reservations ALTER COLUMN location_id SET NOT NULL,
    ALTER COLUMN location_id SET DEFAULT '00000000-0000-0000-0000-00000000d0c1';
ALTER TABLE stock_reservations DROP CONSTRAINT stock_reservations_pkey;
ALTER TABLE stock_reservations ADD PRIMARY KEY (cart_id, attempt, sku, location_id);
ALTER TABLE stock_reservations ADD FOREIGN KEY (sku, location_id) REFERENCES stock (sku, location_id);

-- A company may prefer one location: its checkouts draw from it first.
ALTER TABLE companies ADD COLUMN preferred_location_id uuid REFERENCES stock_locations (id);

-- Which location each shipped unit left from (a shipment line split across
-- locations has a row per location). Shipments before this migration shipped
-- from the default location.
CREATE TABLE shipment_stock (
    shipment_id uuid   NOT NULL REFERENCES shipments (id),
    sku         text   NOT NULL,
    location_id uuid   NOT NULL REFERENCES stock_locations (id),
    quantity    bigint NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (shipment_id, sku, location_id)
);
INSERT INTO shipment_stock (shipment_id, sku, location_id, quantity)
SELECT shipment_id, sku, '00000000-0000-0000-0000-00000000d0c1', quantity FROM shipment_lines;

-- Where a returned line was restocked (NULL: written off, or not received yet).
ALTER TABLE return_lines ADD COLUMN restock_location_id uuid REFERENCES stock_locations (id);

-- Availability (migration 0018's view, read by every listing, cart and
-- checkout) is now the sum over the locations. A correlated sum per product
-- row rather than a GROUP BY: the view is then flattened into the queries that
-- join it by SKU, and each SKU's sum reads its own stock rows by the primary
-- key, never the whole stock table.
CREATE OR REPLACE VIEW sku_availability AS
SELECT p.sku,
       (SELECT COALESCE(sum(s.on_hand - s.reserved), 0) FROM stock s WHERE s.sku = p.sku)::bigint AS available
FROM products p;
