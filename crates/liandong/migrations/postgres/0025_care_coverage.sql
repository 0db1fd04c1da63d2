-- Coverage reads every active person of an area: where they are, who is
-- named for them, whether their check-in is overdue. This index holds all
-- of it, so the read never visits the table (a city's 50,000 people in
-- one range scan instead of 50,000 row lookups).
CREATE INDEX care_recipients_coverage ON care_recipients
    (status, division_code, guardian_id, backup_id, checkin_due_at, compound);
