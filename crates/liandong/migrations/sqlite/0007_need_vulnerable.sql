-- Vulnerable tags on a need (issue 10): ',dialysis,elderly_alone,' or ''.
ALTER TABLE needs ADD COLUMN vulnerable TEXT NOT NULL DEFAULT '';
