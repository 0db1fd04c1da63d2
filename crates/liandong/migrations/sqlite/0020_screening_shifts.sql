-- Screening shifts (班次, issue 12): who works which shift of which day
-- at which seat of their office (staff or volunteers). A seat's worklist
-- is its share of the office's subjects; unlocated people are dealt to
-- streets by open subjects per staffed seat. Days are Beijing days.
CREATE TABLE shift_staff (
    id INTEGER PRIMARY KEY,
    division_code TEXT NOT NULL,
    day TEXT NOT NULL,
    shift TEXT NOT NULL,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    seat INTEGER NOT NULL CHECK (seat BETWEEN 1 AND 99),
    -- staff | volunteer
    kind TEXT NOT NULL,
    added_by INTEGER REFERENCES accounts (id),
    added_at TEXT NOT NULL,
    UNIQUE (day, shift, account_id),
    UNIQUE (division_code, day, shift, seat)
);
CREATE INDEX shift_staff_day ON shift_staff (day, shift, division_code);
