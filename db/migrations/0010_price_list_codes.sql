-- Price list codes: how the ERP's price feed names Orderflow's price lists
-- (erpapi.PriceChange.PriceList, pulled by workflows/erpsync). A list without
-- a code is Orderflow's own: the ERP never changes it. The code BASE is
-- reserved: the ERP's changes under it set the catalogue's base prices
-- (product_prices), which apply when no price list does.
ALTER TABLE price_lists ADD COLUMN code text UNIQUE
    CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' AND code <> 'BASE');
