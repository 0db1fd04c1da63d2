-- Supply (issue 10): the item catalogue, depots and their stock with every
-- movement, offers (goods, services, vehicles, money) and appeals with the
-- pledges made against them. Personal fields: offers' contact_name with
-- contact_phone (a driver, a person giving).
CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name_zh TEXT NOT NULL UNIQUE,
    name_en TEXT NOT NULL,
    unit_zh TEXT NOT NULL,
    unit_en TEXT NOT NULL,
    -- The kind of need it answers (food, ppe, medical …).
    need_kind TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE depots (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    org_id INTEGER NOT NULL REFERENCES orgs (id),
    -- Where it is: who sees it and moves its stock.
    division_code TEXT NOT NULL,
    address TEXT NOT NULL,
    created_by INTEGER REFERENCES accounts (id),
    created_at TEXT NOT NULL
);
CREATE INDEX depots_division ON depots (division_code);

-- What a depot holds of an item: the balance of its movements, kept so
-- that "never negative, never more reserved than there is" is one
-- conditional UPDATE (and the CHECKs stand behind it).
CREATE TABLE stock (
    depot_id INTEGER NOT NULL REFERENCES depots (id),
    item_id INTEGER NOT NULL REFERENCES items (id),
    on_hand INTEGER NOT NULL CHECK (on_hand >= 0),
    reserved INTEGER NOT NULL CHECK (reserved >= 0 AND reserved <= on_hand),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (depot_id, item_id)
);

CREATE TABLE appeals (
    id INTEGER PRIMARY KEY,
    -- The public page's address (unguessable, like a need's reference).
    reference TEXT NOT NULL UNIQUE,
    need_id INTEGER REFERENCES needs (id),
    -- The community (or village) it is for.
    division_code TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    needed_by TEXT NOT NULL,
    status TEXT NOT NULL,
    created_by INTEGER REFERENCES accounts (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX appeals_division ON appeals (division_code);
CREATE INDEX appeals_need ON appeals (need_id);

CREATE TABLE appeal_lines (
    appeal_id INTEGER NOT NULL REFERENCES appeals (id),
    item_id INTEGER NOT NULL REFERENCES items (id),
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (appeal_id, item_id)
);

CREATE TABLE offers (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    -- The giving organisation, when one gives; donor is the name the
    -- public ledger shows ('' = anonymous).
    org_id INTEGER REFERENCES orgs (id),
    donor TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    -- Whose it is to use: the recorder's jurisdiction, or the appeal's.
    division_code TEXT NOT NULL,
    item_id INTEGER REFERENCES items (id),
    quantity INTEGER NOT NULL,
    received INTEGER NOT NULL,
    depot_id INTEGER REFERENCES depots (id),
    expires_on TEXT NOT NULL,
    description TEXT NOT NULL,
    hours INTEGER NOT NULL,
    seats INTEGER NOT NULL,
    load_kg INTEGER NOT NULL,
    pass TEXT NOT NULL,
    -- Division codes a vehicle may enter, ',6101,610113,'.
    zones TEXT NOT NULL,
    -- Money given, or goods' declared value, in fen (0.01 yuan).
    value_fen INTEGER NOT NULL,
    appeal_id INTEGER REFERENCES appeals (id),
    created_by INTEGER REFERENCES accounts (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX offers_division ON offers (division_code, status);
CREATE INDEX offers_appeal ON offers (appeal_id);

-- Stock held for a need: reserved, then dispatched or released.
CREATE TABLE reservations (
    id INTEGER PRIMARY KEY,
    depot_id INTEGER NOT NULL REFERENCES depots (id),
    item_id INTEGER NOT NULL REFERENCES items (id),
    need_id INTEGER NOT NULL REFERENCES needs (id),
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    status TEXT NOT NULL,
    created_by INTEGER REFERENCES accounts (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX reservations_need ON reservations (need_id);
CREATE INDEX reservations_depot ON reservations (depot_id, status);

-- Every movement of stock: what came in (from which offer), what was held,
-- let go, sent out (to which need, in which community) or corrected (why).
-- The ledger and a depot's history are read from here.
CREATE TABLE stock_movements (
    id INTEGER PRIMARY KEY,
    depot_id INTEGER NOT NULL REFERENCES depots (id),
    item_id INTEGER NOT NULL REFERENCES items (id),
    kind TEXT NOT NULL,
    -- Signed for adjustments, positive otherwise.
    quantity INTEGER NOT NULL,
    offer_id INTEGER REFERENCES offers (id),
    need_id INTEGER REFERENCES needs (id),
    reservation_id INTEGER REFERENCES reservations (id),
    -- Where it went (a need's community) or where it is (the depot's).
    division_code TEXT NOT NULL,
    reason TEXT NOT NULL,
    actor_id INTEGER REFERENCES accounts (id),
    at TEXT NOT NULL
);
CREATE INDEX stock_movements_depot ON stock_movements (depot_id, at);
CREATE INDEX stock_movements_division ON stock_movements (division_code);

-- The catalogue as the field reports name it; coordinators add more.
INSERT INTO items (code, name_zh, name_en, unit_zh, unit_en, need_kind, created_at) VALUES
    ('instant_noodles', '方便面', 'Instant noodles', '箱', 'box', 'food', '2026-01-01T00:00:00.000000Z'),
    ('self_heating_rice', '自热米饭', 'Self-heating rice', '箱', 'box', 'food', '2026-01-01T00:00:00.000000Z'),
    ('biscuits', '饼干', 'Biscuits', '箱', 'box', 'food', '2026-01-01T00:00:00.000000Z'),
    ('bread', '面包', 'Bread', '箱', 'box', 'food', '2026-01-01T00:00:00.000000Z'),
    ('rice', '大米', 'Rice', '袋', 'bag', 'food', '2026-01-01T00:00:00.000000Z'),
    ('flour', '面粉', 'Flour', '袋', 'bag', 'food', '2026-01-01T00:00:00.000000Z'),
    ('cooking_oil', '食用油', 'Cooking oil', '桶', 'can', 'food', '2026-01-01T00:00:00.000000Z'),
    ('vegetables', '蔬菜', 'Vegetables', '公斤', 'kg', 'food', '2026-01-01T00:00:00.000000Z'),
    ('drinking_water', '饮用水', 'Drinking water', '箱', 'box', 'food', '2026-01-01T00:00:00.000000Z'),
    ('infant_formula', '奶粉', 'Infant formula', '罐', 'tin', 'food', '2026-01-01T00:00:00.000000Z'),
    ('protective_suit', '防护服', 'Protective suits', '套', 'suit', 'ppe', '2026-01-01T00:00:00.000000Z'),
    ('face_shield', '面屏', 'Face shields', '个', 'piece', 'ppe', '2026-01-01T00:00:00.000000Z'),
    ('n95_mask', 'N95口罩', 'N95 masks', '只', 'piece', 'ppe', '2026-01-01T00:00:00.000000Z'),
    ('surgical_mask', '医用外科口罩', 'Surgical masks', '只', 'piece', 'ppe', '2026-01-01T00:00:00.000000Z'),
    ('medical_gloves', '医用手套', 'Medical gloves', '副', 'pair', 'ppe', '2026-01-01T00:00:00.000000Z'),
    ('thermometer', '体温计', 'Thermometers', '支', 'piece', 'medical', '2026-01-01T00:00:00.000000Z'),
    ('medical_alcohol', '医用酒精', 'Medical alcohol', '桶', 'barrel', 'medical', '2026-01-01T00:00:00.000000Z'),
    ('disinfectant', '消毒液', 'Disinfectant', '桶', 'barrel', 'ppe', '2026-01-01T00:00:00.000000Z'),
    ('diapers', '纸尿裤', 'Diapers', '包', 'pack', 'care', '2026-01-01T00:00:00.000000Z'),
    ('sanitary_pads', '卫生巾', 'Sanitary pads', '包', 'pack', 'care', '2026-01-01T00:00:00.000000Z');
