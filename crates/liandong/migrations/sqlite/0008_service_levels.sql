-- Service levels (issue 10): how long a need of each urgency may wait to be
-- verified and to be delivered; the code's defaults stand where no row is.
CREATE TABLE service_levels (
    urgency TEXT PRIMARY KEY,
    verify_minutes INTEGER NOT NULL,
    deliver_minutes INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by INTEGER REFERENCES accounts (id)
);
-- The deadline that last escalated a need by itself ('', verify, deliver):
-- each escalates once, so a flag lowered by hand stays down.
ALTER TABLE needs ADD COLUMN escalated_for TEXT NOT NULL DEFAULT '';
CREATE INDEX needs_due ON needs (urgency, status, created_at);
-- The need kinds a coalition working group answers for (',food,ppe,'): its
-- lead organisations see those kinds' escalated needs on their list.
ALTER TABLE working_groups ADD COLUMN need_kinds TEXT NOT NULL DEFAULT '';
