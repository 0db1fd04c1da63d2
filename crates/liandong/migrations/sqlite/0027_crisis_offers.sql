-- Care teams offered first for their cohort, and crises answered (issue 14).
-- A team may be linked to a zone (a sealed compound) or to the people in
-- home isolation (screening's graded management): a crisis there goes to
-- that team's on-call member before the area's other teams. A member may
-- sign in (their account, of the team's organisation) to answer what is
-- offered to them: accept, or decline with a reason; an offer unanswered
-- for the set minutes lapses and the crisis passes to the next member on
-- call. Every offer is kept.
ALTER TABLE care_teams ADD COLUMN cohort_kind TEXT NOT NULL DEFAULT '';
ALTER TABLE care_teams ADD COLUMN zone_id INTEGER REFERENCES zones (id);
ALTER TABLE care_team_members ADD COLUMN account_id INTEGER REFERENCES accounts (id);
CREATE INDEX care_team_members_account ON care_team_members (account_id) WHERE account_id IS NOT NULL;

CREATE TABLE crisis_offers (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    member_id INTEGER NOT NULL REFERENCES care_team_members (id),
    -- The team it was offered through, and whether for its cohort.
    team_id INTEGER NOT NULL REFERENCES care_teams (id),
    cohort INTEGER NOT NULL DEFAULT 0,
    -- pending | accepted | declined | lapsed
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    offered_at TEXT NOT NULL,
    answered_at TEXT
);
-- One offer waits at a time: the index decides between two.
CREATE UNIQUE INDEX crisis_offers_pending ON crisis_offers (case_id) WHERE status = 'pending';
CREATE INDEX crisis_offers_case ON crisis_offers (case_id, id);
CREATE INDEX crisis_offers_member ON crisis_offers (member_id, status);
CREATE INDEX crisis_offers_waiting ON crisis_offers (status, offered_at);

-- A crisis offered before offers were kept waits for its answer like any.
INSERT INTO crisis_offers (case_id, member_id, team_id, status, offered_at)
SELECT c.id, c.crisis_member_id, m.team_id, 'pending', c.updated_at
FROM cases c JOIN care_team_members m ON m.id = c.crisis_member_id
WHERE c.status = 'open';
